#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock, idempotently: installs docker.io if
# missing, starts dockerd in the background if nothing answers, waits for it, prints one line.
# Usage: infra/docker.sh   (as root, or with sudo available). Env: DESKPORT_DOCKER_BRIDGE=1, see below.
set -euo pipefail

log=/var/log/deskport-dockerd.log
pidfile=/run/deskport-dockerd.pid
sock=/var/run/docker.sock
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

engine_line() {
  "${sudo_cmd[@]}" docker info --format 'storage {{.Driver}}, engine {{.ServerVersion}}' 2>/dev/null
}

# /usr/sbin is not on every PATH (a non-root shell), so look there too.
if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
  echo "docker: installing docker.io" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

if info="$(engine_line)"; then
  echo "docker: engine already running at $sock ($info)"
  exit 0
fi

# Networking of an engine we start: off by default. Deskport's desktops run with --network none and
# are dialled through a bind-mounted unix socket (agents/docker/README.md), so they need no bridge,
# and an engine without one cannot hand any container a route out (a default `docker run` gets only
# loopback), does not rewrite the host's firewall, and does not turn on net.ipv4.ip_forward (docker's
# default does both: FORWARD policy DROP, forwarding on). The cost: `-p` port publishing and
# networked `docker build` do not work on this engine. DESKPORT_DOCKER_BRIDGE=1 keeps docker's
# default bridge when iptables works here.
net_flags=(--bridge=none --iptables=false --ip-forward=false --ip-masq=false --userland-proxy=false)
net_desc="no bridge, no iptables"
if [ "${DESKPORT_DOCKER_BRIDGE:-0}" = "1" ]; then
  if "${sudo_cmd[@]}" iptables -w -t nat -S >/dev/null 2>&1; then
    net_flags=()
    net_desc="default bridge"
  else
    echo "docker: iptables does not work here; starting without a bridge anyway" >&2
  fi
fi

# The storage driver is left to dockerd: it takes overlay2 where the backing file system allows it
# (ext4 here) and falls back by itself (vfs works everywhere, but copies each image per container).
started=0
pid="$(cat "$pidfile" 2>/dev/null || true)"
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ]; then
  : # ours, still starting: just wait for it below
else
  t0=$(date +%s%N)
  # setsid + nohup: the engine must outlive the shell, test runner or CI step that started it.
  "${sudo_cmd[@]}" bash -c 'umask 022; exec setsid nohup dockerd "$@" </dev/null >>'"$log"' 2>&1 & echo $! >'"$pidfile" \
    dockerd "${net_flags[@]}"
  pid="$(cat "$pidfile")"
  started=1
fi

for _ in $(seq 1 120); do
  if info="$(engine_line)"; then
    if [ "$started" = 1 ]; then
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      echo "docker: started dockerd (pid $pid, $info, $net_desc) in ${ms} ms; log $log"
    else
      echo "docker: dockerd (pid $pid) is up ($info); log $log"
    fi
    exit 0
  fi
  if [ ! -d "/proc/$pid" ]; then
    echo "docker: dockerd exited during start-up; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "docker: dockerd (pid $pid) did not answer on $sock within 60 s; see $log" >&2
exit 1
