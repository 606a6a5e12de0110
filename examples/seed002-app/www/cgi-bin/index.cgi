#!/bin/sh
# The seed-002 app: tells the visitor which node served them and how many visitors this pod has had,
# so a client can see requests spread over pods and nodes. busybox httpd runs this for every
# directory URL (/ included) and passes on its own environment, so NODE_NAME from the downward API
# arrives here. The count lives in /tmp, one per container; TMPDIR moves it (tests on the host).
count_file="${TMPDIR:-/tmp}/visitors"
lock="$count_file.lock"

# httpd forks a CGI per request: mkdir is atomic, so it serialises the read-increment-write.
# Redirects go to closed descriptors (2>&-), not /dev/null: a chroot without /dev must not turn a
# failed redirect into a lock that is never taken.
tries=0
until mkdir "$lock" 2>&-; do
  tries=$((tries + 1))
  # A holder killed mid-update leaves the lock behind: after ~2 s take it over.
  [ "$tries" -eq 200 ] && rmdir "$lock" 2>&-
  # No lock possible at all (no writable TMPDIR): answer unlocked rather than hang the request.
  [ "$tries" -ge 400 ] && break
  sleep 0.01
done
n=$(( $(cat "$count_file" 2>&- || echo 0) + 1 ))
echo "$n" > "$count_file"
rmdir "$lock" 2>&-

printf 'Content-Type: text/plain\r\n\r\n'
printf 'Hello from %s, visitor #%s\n' "${NODE_NAME:-unknown}" "$n"
