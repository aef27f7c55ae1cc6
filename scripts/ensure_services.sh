#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and RabbitMQ answer on localhost for the tests: start them when they
# are installed but stopped, and say clearly what is missing when they are not installed.
# ATELIER_TEST_SKIP_RABBITMQ=1 leaves RabbitMQ out (its integration test is then skipped).
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
rabbitmq_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  elif command -v pg_ctl >/dev/null 2>&1 && [ -n "${PGDATA:-}" ]; then
    pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" start
  else
    echo "PostgreSQL is not installed (no pg_ctlcluster). Install it, e.g. 'apt-get install postgresql'," >&2
    echo "or point TEST_DATABASE_URL at a running server." >&2
    exit 1
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start on 127.0.0.1:5432." >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379
  else
    echo "Redis is not installed (no redis-server). Install it, e.g. 'apt-get install redis-server'," >&2
    echo "or point TEST_REDIS_URL at a running server." >&2
    exit 1
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis did not start on 127.0.0.1:6379." >&2; exit 1; }
fi

if [ "${ATELIER_TEST_SKIP_RABBITMQ:-}" = "1" ]; then
  echo "PostgreSQL and Redis are up (RabbitMQ skipped: ATELIER_TEST_SKIP_RABBITMQ=1)."
  exit 0
fi
if ! rabbitmq_up; then
  PATH="$PATH:/usr/sbin"
  if [ -x /etc/init.d/rabbitmq-server ]; then
    echo "Starting RabbitMQ…"
    service rabbitmq-server start || /etc/init.d/rabbitmq-server start
  elif command -v rabbitmq-server >/dev/null 2>&1; then
    echo "Starting RabbitMQ…"
    rabbitmq-server -detached
  else
    echo "RabbitMQ is not installed (no rabbitmq-server). Install it, e.g. 'apt-get install" >&2
    echo "rabbitmq-server', or set ATELIER_TEST_SKIP_RABBITMQ=1 to skip its integration test." >&2
    exit 1
  fi
  # The Erlang VM takes a while to boot.
  for _ in $(seq 1 60); do rabbitmq_up && break; sleep 1; done
  rabbitmq_up || { echo "RabbitMQ did not start on 127.0.0.1:5672." >&2; exit 1; }
fi
echo "PostgreSQL, Redis and RabbitMQ are up."
