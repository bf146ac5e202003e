"""`flask db backup PATH` and `flask db restore PATH`, beside Flask-Migrate's `flask db upgrade` (pool.backup)."""

from pathlib import Path

import click
from flask_migrate.cli import db as db_cli

from models import db
from pool.backup import BackupError, backup, restore


@db_cli.command("backup", help="备份整个数据库到 PATH（SQLite：在线备份；PostgreSQL：pg_dump 自定义格式）")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(path: Path):
    try:
        backup(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {path}（{path.stat().st_size:,} 字节）")


@db_cli.command("restore", help="把 PATH 的备份恢复到当前配置的空数据库（新建的 SQLite 文件或 createdb 建的库）")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_cmd(path: Path):
    try:
        restore(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已从 {path} 恢复")
