#!/usr/bin/env bash
# Train the model when its inputs changed (by content, not file times), else do nothing.
# Inputs: config.yml, domain.yml, data/**/*.yml and the Python that the pipeline loads
# (addons/faq_gate.py, addons/faq_selector.py, addons/intent_classifier.py, addons/kind_classifier.py, addons/stored_model.py and what they import from bot/, bot/topic_examples.yml and bot/member_kinds.yml); channels and stores are not model inputs.
# Rasa's own cache (.rasa/) makes a retrain after a small change fast.
set -euo pipefail
cd "$(dirname "$0")/.."
model=models/current.tar.gz
stamp=models/current.inputs.sha256
inputs_hash=$( { find config.yml domain.yml data addons/faq_gate.py addons/faq_selector.py addons/intent_classifier.py addons/kind_classifier.py addons/stored_model.py bot/faq.py bot/faq_topics.yml bot/topic_model.py bot/topic_examples.py bot/topic_examples.yml bot/member_kinds.py bot/member_kinds.yml -type f \( -name '*.yml' -o -name '*.py' \) | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1)
if [[ -f $model && -f $stamp && "$(cat "$stamp")" == "$inputs_hash" ]]; then
  exit 0
fi
echo "Training the model (log: models/train.log) ..."
mkdir -p models
start=$(date +%s)
if ! .venv/bin/rasa train --fixed-model-name current --out models > models/train.log 2>&1; then
  tail -n 40 models/train.log
  exit 1
fi
echo "$inputs_hash" > "$stamp"
echo "Model ready: $model ($(( $(date +%s) - start )) s)"
