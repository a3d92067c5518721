#!/usr/bin/env bash
# Margin's production shape on one machine: N gunicorn app servers on loopback ports,
# nginx in front (round-robin, static files), PostgreSQL behind, and background-job
# workers (manage.py db_worker) beside them.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin SECRET_KEY=… deploy/serve.sh start
#   deploy/serve.sh stop
#
# Environment: DATABASE_URL and SECRET_KEY (required), MARGIN_PORT (nginx, 8080),
# APP_PORTS (the gunicorns, "8001 8002"), WORKERS and THREADS (per gunicorn, 2 and 1:
# deploy/gunicorn.conf.py), JOB_WORKERS (db_worker processes, 1), ALLOWED_HOSTS.
# On loopback without TLS the secure-cookie and HTTPS-redirect settings are turned off
# unless set; behind TLS, leave them on (Margin's production defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN="$ROOT/deploy/run"
PORT=${MARGIN_PORT:-8080}
APP_PORTS=${APP_PORTS:-"8001 8002"}
WORKERS=${WORKERS:-2}
JOB_WORKERS=${JOB_WORKERS:-1}

stop() {
  if [ -f "$RUN/nginx.pid" ]; then
    nginx -c "$RUN/nginx.conf" -p "$RUN" -s quit 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$RUN/nginx.pid" ] || break; sleep 0.1; done
    rm -f "$RUN/nginx.pid"
  fi
  # Job workers finish the task in hand on SIGTERM (an import is one transaction).
  for pidfile in "$RUN"/gunicorn-*.pid "$RUN"/worker-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
  done
}

start() {
  : "${DATABASE_URL:?set DATABASE_URL (postgres://…)}"
  : "${SECRET_KEY:?set SECRET_KEY}"
  command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx; }
  mkdir -p "$RUN"
  export DEBUG=0 DATABASE_URL SECRET_KEY
  # Logins come through nginx: lock by the address nginx saw (config/proxy.py).
  export BEHIND_PROXY=1
  export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
  export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0}
  export SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-0}
  export CSRF_COOKIE_SECURE=${CSRF_COOKIE_SECURE:-0}
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py collectstatic --noinput -v0
  upstreams=""
  for port in $APP_PORTS; do
    WORKERS=$WORKERS .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind "127.0.0.1:$port" \
      --daemon --pid "$RUN/gunicorn-$port.pid" --error-logfile "$RUN/gunicorn-$port.log" \
      config.wsgi
    upstreams+="        server 127.0.0.1:$port;"$'\n'
  done
  for number in $(seq "$JOB_WORKERS"); do
    setsid .venv/bin/python manage.py db_worker --no-reload --worker-id "$(hostname)-$number" \
      >>"$RUN/worker-$number.log" 2>&1 </dev/null &
    echo $! >"$RUN/worker-$number.pid"
  done
  # Fill the template (| as the sed separator: paths hold slashes).
  sed -e "s|@ROOT@|$ROOT|g" -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$PORT|g" \
    deploy/nginx.conf.template | awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' \
    > "$RUN/nginx.conf"
  : > "$RUN/nginx-access.log"
  nginx -t -q -c "$RUN/nginx.conf" -p "$RUN"
  nginx -c "$RUN/nginx.conf" -p "$RUN"
  # Each app server must answer on its own port (a port already taken fails here, loudly).
  for port in $APP_PORTS; do
    for try in $(seq 150); do
      [ -f "$RUN/gunicorn-$port.pid" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/accounts/login/" && break
      [ "$try" = 150 ] && { echo "gunicorn on port $port did not start: see $RUN/gunicorn-$port.log" >&2; stop; exit 1; }
      sleep 0.2
    done
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/accounts/login/"
  echo "Margin on http://127.0.0.1:$PORT/ (nginx → gunicorn on ports $APP_PORTS; $JOB_WORKERS job worker(s))"
}

case "${1:-}" in
  start) stop; start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
