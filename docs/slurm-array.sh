#!/usr/bin/env bash
# Rank one big trajectory file with a Slurm job array against one PostgreSQL cache, then merge.
#
#   export OPENAI_API_KEY=... PGPASSWORD=...      # or a ~/.pgpass file on the shared home
#   jid=$(sbatch --parsable docs/slurm-array.sh runs.jsonl)
#   sbatch --dependency=afterok:$jid --wrap "gavel merge parts/part-*.jsonl -o ranked.jsonl"
#
# Each task reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (`--shard auto`); a task that fails
# can be resubmitted alone (sbatch --array=3 ...) and finishes from the shared cache.
#SBATCH --job-name=gavel-rank
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --time=24:00:00
#SBATCH --output=parts/gavel-%a.log
set -euo pipefail
input=${1:?usage: sbatch docs/slurm-array.sh INPUT.jsonl}
mkdir -p parts
exec gavel rank "$input" --shard auto \
  --cache-url "postgres://gavel@db.cluster.internal:5432/gavel?sslmode=require" \
  --judge openai/gpt-4.1-mini \
  -o "parts/part-${SLURM_ARRAY_TASK_ID}.jsonl"
