#!/bin/sh
# Provisions Metabase from files (run by the metabase-provision service; needs curl and jq): first-start setup with
# the admin from the environment, the ClickHouse warehouse as a database (driver plugin "clickhouse", user metabase,
# database marts), then one dashboard per dashboards/*.json with a native-SQL question per card. A card with "pending"
# (its mart lands with a later issue) becomes a text card saying so. Dashboards that exist (by name) are left alone.
set -eu
MB_URL="${MB_URL:-http://metabase:3000}"
DIR="$(dirname "$0")/dashboards"
json() { curl -fsS -H 'Content-Type: application/json' ${SESSION:+-H "X-Metabase-Session: $SESSION"} "$@"; }

until curl -fsS "$MB_URL/api/health" | grep -q '"ok"'; do echo "waiting for Metabase"; sleep 5; done

TOKEN="$(curl -fsS "$MB_URL/api/session/properties" | jq -r '."setup-token" // empty')"
if [ -n "$TOKEN" ] && [ "$(curl -fsS "$MB_URL/api/session/properties" | jq -r '."has-user-setup"')" != "true" ]; then
  json -X POST "$MB_URL/api/setup" -d "$(jq -n --arg t "$TOKEN" --arg e "$MB_ADMIN_EMAIL" --arg p "$MB_ADMIN_PASSWORD" \
    '{token: $t, user: {email: $e, password: $p, first_name: "CableHub", last_name: "Admin", site_name: "CableHub"},
      prefs: {site_name: "CableHub", site_locale: "en", allow_tracking: false}}')" >/dev/null
fi

SESSION="$(json -X POST "$MB_URL/api/session" -d "$(jq -n --arg u "$MB_ADMIN_EMAIL" --arg p "$MB_ADMIN_PASSWORD" '{username: $u, password: $p}')" | jq -r .id)"

DB="$(json "$MB_URL/api/database" | jq -r '.data[] | select(.name == "CableHub warehouse") | .id' | head -n 1)"
if [ -z "$DB" ]; then
  DB="$(json -X POST "$MB_URL/api/database" -d "$(jq -n --arg h "$CH_HOST" --arg u "$CH_USER" --arg p "$CH_PASSWORD" \
    '{engine: "clickhouse", name: "CableHub warehouse",
      details: {host: $h, port: 8123, dbname: "marts", user: $u, password: $p, ssl: false}}')" | jq -r .id)"
fi

for file in "$DIR"/*.json; do
  name="$(jq -r .name "$file")"
  if json "$MB_URL/api/dashboard" | jq -e --arg n "$name" 'map(select(.name == $n)) | length > 0' >/dev/null; then
    echo "dashboard '$name' exists"; continue
  fi
  dash="$(json -X POST "$MB_URL/api/dashboard" -d "$(jq '{name, description}' "$file")" | jq -r .id)"
  cards="[]"; i=0
  count="$(jq '.cards | length' "$file")"
  while [ "$i" -lt "$count" ]; do
    card="$(jq -c ".cards[$i]" "$file")"
    row=$(( (i / 2) * 8 )); col=$(( (i % 2) * 12 ))
    if [ "$(echo "$card" | jq -r '.pending // empty')" != "" ]; then
      dashcard="$(echo "$card" | jq --argjson id "-$((i + 1))" --argjson row "$row" --argjson col "$col" \
        '{id: $id, card_id: null, row: $row, col: $col, size_x: 12, size_y: 8,
          visualization_settings: {virtual_card: {display: "text", archived: false, dataset_query: {}, visualization_settings: {}},
            text: ("**" + .name + "**\n\nNot available yet: " + .pending + ".")}}')"
    else
      id="$(json -X POST "$MB_URL/api/card" -d "$(echo "$card" | jq --argjson db "$DB" \
        '{name, display, visualization_settings: {}, dataset_query: {type: "native", database: $db, native: {query: .sql}}}')" | jq -r .id)"
      dashcard="$(jq -n --argjson id "-$((i + 1))" --argjson card "$id" --argjson row "$row" --argjson col "$col" \
        '{id: $id, card_id: $card, row: $row, col: $col, size_x: 12, size_y: 8}')"
    fi
    cards="$(echo "$cards" | jq --argjson c "$dashcard" '. + [$c]')"
    i=$((i + 1))
  done
  json -X PUT "$MB_URL/api/dashboard/$dash" -d "$(jq -n --argjson c "$cards" '{dashcards: $c}')" >/dev/null
  echo "dashboard '$name' provisioned"
done
