#!/usr/bin/env bash
# The load generator against one daemon on RocksDB, one daemon on a three-node Cassandra cluster
# (replication factor 3), and two daemons on that cluster, one after another in one run, with the
# same quotes and clients; then the bytes each stored quote takes. Writes
# benchmarks/results/cluster-{rocksdb,cassandra-1,cassandra-2}.json and prints a summary.
#   benchmarks/cluster-load.sh [QUOTES [WARMUP [CLIENTS]]]     (default 3000 2000 32)
set -euo pipefail
cd "$(dirname "$0")/.."
QUOTES=${1:-3000}
WARMUP=${2:-2000}
CLIENTS=${3:-32}
./mvnw -B -q -pl benchmarks,cluster -am install -DskipTests >/dev/null
./mvnw -B -q -pl cluster dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cluster.classpath >/dev/null
CLUSTER_CP="cluster/target/test-classes:$(cat cluster/target/cluster.classpath)"
LOAD=(java -cp benchmarks/target/benchmarks.jar dev.dcapd.benchmarks.LoadGenerator
  --quotes "$QUOTES" --warmup "$WARMUP" --clients "$CLIENTS" --read-seconds 10)
mkdir -p benchmarks/results
WORK=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "== one daemon, RocksDB"
"${LOAD[@]}" --out benchmarks/results/cluster-rocksdb.json

echo "== three Cassandra nodes on 127.0.0.1-3"
mkfifo "$WORK/in"
java -Xmx256m -Ddcapd.cassandra.classpath=cassandra-runtime/target/cassandra.classpath -cp "$CLUSTER_CP" \
  dev.dcapd.cluster.testing.RunCluster "$WORK/cluster" 3 <"$WORK/in" >"$WORK/cluster.out" &
exec 3>"$WORK/in"
until grep -q ready "$WORK/cluster.out"; do sleep 1; done
STORE='cassandra://127.0.0.1:9042,127.0.0.2:9042,127.0.0.3:9042'

echo "== one daemon, Cassandra"
"${LOAD[@]}" --daemon-args "--store $STORE/bench_one?rf=3" --out benchmarks/results/cluster-cassandra-1.json
echo "== two daemons, one Cassandra keyspace"
"${LOAD[@]}" --daemons 2 --daemon-args "--store $STORE/bench_two?rf=3" --out benchmarks/results/cluster-cassandra-2.json

exec 3>&-
wait
grep '^bytes bench_' "$WORK/cluster.out" | while read -r _ ks bytes; do
  echo "$ks: $bytes bytes on three nodes, $((bytes / (QUOTES + WARMUP))) per quote ($((bytes / 3 / (QUOTES + WARMUP))) per replica)"
done
