# Pops one item at a time and "works" on it for WORK seconds (default 0.2: 5 items/s per container).
# SIGTERM ends the loop after the item in hand, so a stop is quick and loses nothing.
. /demo/redis.sh
WORK="${WORK:-0.2}"
stop=0
trap 'stop=1' TERM INT
while [ "$stop" = 0 ]; do
  reply=$(redis LPOP "$QUEUE")
  case "$reply" in
    '$-1'*|'') sleep 0.5 ;;   # empty queue (nil reply), or Redis not answering: wait a little
    *) sleep "$WORK" ;;
  esac
done
