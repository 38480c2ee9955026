#!/usr/bin/env bash
# The Slurm recipe of docs/sweep.md on a real Slurm: a single-node cluster (munged, slurmctld and
# slurmd on this host, with their own key, ports and folders, started and stopped here) runs a
# small sweep as the job array tools/sweep-slurm.sbatch makes, (1) every task into one shared
# folder and (2) one folder per task, merged by a job that depends on the array; both sweep.csv
# equal the unsharded sweep's byte for byte. Needs root and Debian's slurmctld, slurmd,
# slurm-client and munge (bash tools/install-deps.sh --slurm); exits 77 (skipped) without them.
# Usage: slurm_sweep.sh XBARSIM SRC_DIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib/common.bash"
for b in munged slurmctld slurmd sbatch sinfo scancel; do
  command -v "$b" >/dev/null || { echo "skipped: $b is not installed (bash tools/install-deps.sh --slurm)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "skipped: slurmd needs root"; exit 77; }
cli_setup "$1" "$2"
stop_cluster() {
  scancel --quiet --full --jobname xbarsim-sweep 2>/dev/null
  for d in slurmd slurmctld munged; do [ -f "$work/$d.pid" ] && kill "$(cat "$work/$d.pid")" 2>/dev/null; done
  sleep 1
  rm -rf "$work"
}
trap stop_cluster EXIT
export XBARSIM="$xbarsim" SLURM_CONF="$work/slurm.conf"

make_data data 200 50
tiny_base base.yaml
cat > tiny.yaml <<'YAML'
sweep:
  base: base.yaml
  axes:
    - {key: network.layers, name: hidden, values: [[784, 8, 10], [784, 16, 10]], labels: [8, 16]}
    - {key: training.optimizer.learning_rate, name: lr, values: [0.01, 0.1]}
YAML
"$xbarsim" sweep tiny.yaml -j 2 --out full --quiet >/dev/null 2>&1
check unsharded test -f full/sweep.csv

# --- a one-node cluster on free ports ---
port=$((20000 + RANDOM % 20000))
host="$(hostname -s)"
mkdir -p state spool
dd if=/dev/urandom of=munge.key bs=1024 count=1 status=none && chmod 400 munge.key
cat > slurm.conf <<CONF
ClusterName=xbarsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=xbarsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
munged --force --key-file="$work/munge.key" --socket="$work/munge.socket" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge.seed"
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF"
idle() { sinfo -h -o %t 2>/dev/null | grep -q idle; }
for _ in $(seq 60); do idle && break; sleep 0.5; done
check cluster-up idle || { tail -5 slurmctld.log slurmd.log munged.log; cli_result; exit 1; }

# --- (1) every task into one shared folder: the last writes sweep.csv ---
sbatch --wait --quiet --array=1-3 --cpus-per-task=1 --output="$work/slurm-%A_%a.out" \
  "$src/tools/sweep-slurm.sbatch" tiny.yaml shared
check shared-array-exit-0 test $? -eq 0
check shared-sweep-csv cmp -s shared/sweep.csv full/sweep.csv
check shared-no-markers test -z "$(ls shared | grep -E 'RUNNING|INTERRUPTED')"

# --- (2) one folder per task, merged by a job that depends on the array ---
jid=$(sbatch --parsable --array=1-3 --cpus-per-task=1 --output="$work/slurm-%A_%a.out" \
  "$src/tools/sweep-slurm.sbatch" tiny.yaml 'task%a')
sbatch --wait --quiet --dependency="afterok:$jid" --output="$work/merge.out" \
  --wrap "\"$xbarsim\" merge task* --out merged"
check merge-job-exit-0 test $? -eq 0
check task-folders test -d task1 -a -d task2 -a -d task3
check merged-sweep-csv cmp -s merged/sweep.csv full/sweep.csv

# --- a task resubmitted alone with the shard count runs nothing twice ---
sbatch --wait --quiet --array=2 --cpus-per-task=1 --output="$work/slurm-%A_%a.out" \
  "$src/tools/sweep-slurm.sbatch" tiny.yaml shared 3
check resubmitted-exit-0 test $? -eq 0
check resubmitted-same-csv cmp -s shared/sweep.csv full/sweep.csv

cli_result
