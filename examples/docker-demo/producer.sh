# Pushes work onto the queue: RATES is a list of messages per second, each held for PHASE seconds,
# cycling for ever, so the consumer count has something to follow. Pushes come in fifths of a second
# (rate/5 items each), so the queue grows smoothly rather than in one burst a second.
. /demo/redis.sh
RATES="${RATES:-5 5 20 35 35 15 0 10}"
PHASE="${PHASE:-10}"
trap 'exit 0' TERM INT
while true; do
  for rate in $RATES; do
    per_push=$(( (rate + 4) / 5 ))
    items=$(seq 1 "$per_push" | sed 's/^/job/' | tr '\n' ' ')
    i=0
    while [ "$i" -lt $((PHASE * 5)) ]; do
      [ "$rate" -gt 0 ] && redis RPUSH "$QUEUE" $items >/dev/null
      sleep 0.2
      i=$((i + 1))
    done
  done
done
