"""培育库与升级跟踪系统: the web application package."""

from flask import Flask

from config import Config


def create_app(config=Config) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="static")
    app.config.from_object(config)
    app.json.ensure_ascii = False  # DESIGN §8: JSON keeps Chinese unescaped (JSON_AS_ASCII is gone in Flask 3)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_security(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from models import db
    from pool.db_events import install_postgresql_settings, install_sqlite_pragmas
    from pool.extensions import csrf, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
        install_postgresql_settings(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    from pool.admin.views import bp as admin_bp
    from pool.api import bp as api_bp
    from pool.auth.views import bp as auth_bp
    from pool.campaigns.views import bp as campaigns_bp
    from pool.dashboard.plans import bp as plans_bp
    from pool.dashboard.views import bp as dashboard_bp
    from pool.exports.views import bp as exports_bp
    from pool.extensions import csrf
    from pool.firms.views import bp as firms_bp
    from pool.imports.views import bp as imports_bp
    from pool.inbox.views import bp as inbox_bp
    from pool.ladder.views import bp as ladder_bp
    from pool.main.views import bp as main_bp
    from pool.pools.views import bp as pools_bp
    from pool.worklist.views import bp as worklist_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(firms_bp)
    app.register_blueprint(ladder_bp)
    app.register_blueprint(worklist_bp)
    app.register_blueprint(pools_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(admin_bp)
    csrf.exempt(api_bp)  # the API authenticates with Bearer tokens, not cookies
    app.register_blueprint(api_bp)


def register_errors(app: Flask) -> None:
    from pool.errors import install_error_handlers

    install_error_handlers(app)


def register_security(app: Flask) -> None:
    from pool.security.headers import install_headers
    from pool.security.throttle import install_throttle

    install_throttle(app)
    install_headers(app)


def register_template_helpers(app: Flask) -> None:
    from pool.templating import install_template_helpers

    install_template_helpers(app)


def register_cli(app: Flask) -> None:
    from pool.cli import install_cli

    install_cli(app)
