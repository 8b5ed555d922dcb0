#!/usr/bin/env bash
# Start munge and a SLURM cluster on this machine for the tests: slurmctld and two compute nodes
# (mlintern-1, mlintern-2: one slurmd -N each), so multi-node jobs really run.
#
#   tests/slurm/start.sh            # as root; idempotent: safe to run twice, does nothing when it is up
#   MLINTERN_SLURM_CPUS=8 tests/slurm/start.sh
#
# Needs the Debian/Ubuntu packages: apt-get install -y slurmctld slurmd slurm-client munge
# Works without systemd (containers, CI). It writes /etc/slurm/slurm.conf from tests/slurm/slurm.conf
# only when there is none or when the one there is ours (first line names mlintern-test-cluster):
# a real cluster's configuration is never overwritten.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
conf=/etc/slurm/slurm.conf

die() { echo "tests/slurm/start.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run me as root (slurmd and munged are system daemons)"
for exe in munged slurmctld slurmd sinfo; do
    command -v "$exe" >/dev/null || [ -x "/usr/sbin/$exe" ] \
        || die "$exe is missing: apt-get install -y slurmctld slurmd slurm-client munge"
done
export PATH="$PATH:/usr/sbin"

# --- munge: the key (made by the package; made here if missing) and the daemon
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    rm -f /run/munge/munge.socket.2 /run/munge/munged.pid
    runuser -u munge -- munged
    for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n </dev/null | unmunge >/dev/null || die "munged did not start (see /var/log/munge/munged.log)"
fi

# --- slurm.conf
host="$(hostname -s)"
cpus="${MLINTERN_SLURM_CPUS:-$(( $(nproc) < 4 ? 4 : $(nproc) ))}"
mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"
want="$(sed -e "s/@HOST@/$host/g" -e "s/@CPUS@/$cpus/g" -e "s/@MEM@/$mem/g" "$here/slurm.conf")"
if [ -f "$conf" ] && ! head -n 1 "$conf" | grep -q mlintern-test-cluster; then
    die "$conf exists and is not the test cluster's: not touching it (use the cluster you have)"
fi
changed=0
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
    install -d /etc/slurm
    printf '%s\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf"
    changed=1
fi
install -d /var/spool/slurmctld /var/spool/slurmd-mlintern-1 /var/spool/slurmd-mlintern-2 /var/log/slurm
nodes="mlintern-1 mlintern-2"

# --- daemons (already running with this configuration: leave them be)
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [ "$changed" = 1 ]; then  # stop what runs with an older configuration (ours: pid files we know)
    for pidfile in /run/slurmd.pid /run/slurmd-mlintern-1.pid /run/slurmd-mlintern-2.pid /run/slurmctld.pid; do
        if running "$pidfile"; then kill "$(cat "$pidfile")"; sleep 1; fi
    done
fi
running /run/slurmctld.pid || slurmctld
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
scontrol ping >/dev/null 2>&1 || die "slurmctld did not answer (see /var/log/slurm/slurmctld.log)"
for node in $nodes; do
    running "/run/slurmd-$node.pid" || slurmd -N "$node"
done
ready() {
    for node in $nodes; do
        case "$(sinfo -h -n "$node" -o %t 2>/dev/null || true)" in
            idle*|mix*|alloc*) ;;
            down*|drain*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true; return 1 ;;
            *) return 1 ;;
        esac
    done
}
for _ in $(seq 150); do ready && break; sleep 0.2; done
ready || die "nodes not idle: $(sinfo -h -N -o '%N %t' | tr '\n' ' ') (see /var/log/slurm/slurmd-*.log)"
echo "SLURM test cluster up: nodes $nodes on $host ($cpus CPUs each): $(sinfo -h -N -o '%N %t' | tr '\n' ' ')"
