"""Extensions, created unbound and bound in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
migrate = Migrate()

# Throttling (pool.security.throttle): no default limits; the login form and the API's token check name
# theirs. Storage from RATELIMIT_STORAGE_URI (memory by default).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
