#!/usr/bin/env bash
# Replays the original image_api README's httpie session against a running server
# (default http://127.0.0.1:8000). Needs httpie (`apt-get install httpie`). The two images default to
# the ones in docs/examples/ (run it from the repository folder); give others as arguments:
#   scripts/try-it.sh [first-image second-image]
set -euo pipefail
base=${BASE:-127.0.0.1:8000}
first=${1:-docs/examples/sunset.jpg}
second=${2:-docs/examples/harbour.webp}
user=${TRY_USER:-demo}
h() {
  local shown=()
  for arg in "$@"; do [[ $arg == *" "* ]] && shown+=("\"$arg\"") || shown+=("$arg"); done
  echo; echo "\$ http ${shown[*]}"; http --ignore-stdin --pretty=format "$@"; echo
}

h -p hb POST "$base/register/" username="$user" password=demouser
token=$(http --ignore-stdin --body POST "$base/api-token-auth/" username="$user" password=demouser | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
h -p hb --form "$base/images/" "Authorization:Token $token" "image@$first"
h -b GET "$base/images/" "Authorization:Token $token"
h -b GET "$base/images/1/" "Authorization:Token $token"
h -p hb --form PUT "$base/images/1/" "Authorization:Token $token" "image@$second"
h -p h DELETE "$base/images/1/" "Authorization:Token $token"
h -b GET "$base/regenerateToken/" "Authorization:Token $token"
h -b POST "$base/api-token-auth/" username="$user" password=demouser
h -p hb GET "$base/images/" "Authorization:Token $token"
