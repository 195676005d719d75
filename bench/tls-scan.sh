#!/usr/bin/env bash
# Benchmark (not a test, not run by CI): rampart tls scan against sslscan,
# nmap ssl-enum-ciphers and testssl.sh (Debian packages) on the same local
# redis-server TLS ports. Prints wall time and TCP connections per tool,
# with ratios to rampart and to the floor (one handshake per accepted suite
# plus one per version). Connections are counted with tcpdump SYNs on lo.
#
#   bash bench/tls-scan.sh            # all tools (testssl adds ~3 minutes)
#   NO_TESTSSL=1 bash bench/tls-scan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in sslscan nmap testssl.sh tcpdump redis-server openssl; do
  command -v "${p%.sh}" >/dev/null 2>&1 || command -v "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]/redis-server/redis-server}" >/dev/null
fi
TESTSSL=$(command -v testssl || command -v testssl.sh || true)
cargo build -q --release -p rampart
RAMPART=$PWD/target/release/rampart
W=$(mktemp -d); trap 'for p in "$W"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; rm -rf "$W"' EXIT
cd "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout s.key -out s.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" > ext.cnf
openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out s.crt -days 30 -extfile ext.cnf 2>/dev/null
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
start() { # name port args...
  local n=$1 p=$2; shift 2
  redis-server --port 0 --tls-port "$p" --bind 127.0.0.1 --save "" --daemonize yes --pidfile "$W/$n.pid" \
    --logfile "$W/$n.log" --tls-cert-file s.crt --tls-key-file s.key --tls-ca-cert-file ca.crt "$@"
}
P1=$(free); P2=$(free); P3=$(free)
start default "$P1" --tls-auth-clients no
start modern "$P2" --tls-auth-clients yes --tls-protocols "TLSv1.2 TLSv1.3" --tls-ciphers ECDHE+AESGCM \
  --tls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256 --tls-prefer-server-ciphers yes
start weak "$P3" --tls-auth-clients no --tls-protocols "TLSv1 TLSv1.1 TLSv1.2" --tls-ciphers "ALL:@SECLEVEL=0" --tls-prefer-server-ciphers no
sleep 0.5
count() { # port cmd... -> "seconds connections"
  local port=$1; shift
  tcpdump -i lo -nn -q -l "tcp dst port $port and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" >"$W/dump" 2>/dev/null &
  local td=$!; sleep 0.3
  local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; local t1; t1=$(date +%s.%N)
  sleep 0.3; kill $td; wait $td 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc) $(grep -c . "$W/dump" || true)"
}
printf "%-8s %-22s %9s %7s %10s %10s\n" server tool seconds conns "x rampart" "conns/floor"
for s in default:$P1 modern:$P2 weak:$P3; do
  name=${s%%:*}; port=${s##*:}
  floor=$("$RAMPART" tls scan 127.0.0.1:$port -f json | python3 -c 'import json,sys;print(json.load(sys.stdin)["handshake_floor"])')
  read -r rt rc < <(count "$port" "$RAMPART" tls scan 127.0.0.1:$port --cacert ca.crt)
  read -r rn rnc < <(count "$port" "$RAMPART" tls scan 127.0.0.1:$port --cacert ca.crt --no-groups)
  row() { printf "%-8s %-22s %9.3f %7s %10.1f %10.2f\n" "$name" "$1" "$2" "$3" "$(echo "$2 / $rt" | bc -l)" "$(echo "$3 / $floor" | bc -l)"; }
  row "rampart" "$rt" "$rc"
  row "rampart --no-groups" "$rn" "$rnc"
  read -r t c < <(count "$port" sslscan --no-colour 127.0.0.1:$port); row sslscan "$t" "$c"
  read -r t c < <(count "$port" nmap -Pn --script ssl-enum-ciphers -p "$port" 127.0.0.1); row "nmap ssl-enum-ciphers" "$t" "$c"
  if [ -z "${NO_TESTSSL:-}" ] && [ -n "$TESTSSL" ]; then
    read -r t c < <(count "$port" "$TESTSSL" --warnings batch --color 0 --quiet -p -E -P 127.0.0.1:$port); row "testssl -p -E -P" "$t" "$c"
  fi
  echo "         floor: $floor handshakes"
done
