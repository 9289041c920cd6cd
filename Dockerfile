FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "controlroom.asgi:application"]
