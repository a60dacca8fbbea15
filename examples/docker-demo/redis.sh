# Sourced by the roles: one Redis command over busybox nc, in the inline protocol. Prints the raw reply.
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
QUEUE="${QUEUE:-microscale:demo:queue}"

redis() {
  printf '%s\r\n' "$*" | nc "$REDIS_HOST" "$REDIS_PORT"
}
