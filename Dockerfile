FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# PgBouncer and nginx: docker-compose's `pgbouncer` and `proxy` services run them from this image
# (scripts/pgbouncer_conf.py, scripts/nginx_conf.py).
RUN apt-get update && apt-get install -y --no-install-recommends pgbouncer nginx-light \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
# Alone (no compose), one daphne serves HTTP and the live socket, as `make run` does.
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "controlroom.asgi:application"]
