# Atelier's image: web (gunicorn), worker and beat all run from it.
FROM python:3.13-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 PATH="/opt/venv/bin:$PATH"
RUN pip install --no-cache-dir uv \
 && useradd --create-home --uid 1000 atelier
WORKDIR /app

COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# The manifest of hashed static files is built once, here, with throwaway values.
RUN DEBUG=false SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" ALLOWED_HOSTS=build ATELIER_VAR_DIR=/tmp/build \
    python manage.py collectstatic --no-input \
 && mkdir -p /app/var && chown -R atelier:atelier /app/var

USER atelier
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
