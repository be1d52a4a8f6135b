#!/usr/bin/env bash
# A bank's CI job certifying its integration end to end, in one `npm run certify`:
#   - its endpoints (here the reference issuer stands for them) are judged by the suite playing D1;
#   - its calls to D1 are judged from what it sends the observer that certify starts: the bank's integration tests
#     point their D1 base URL at it and drive the certification plan (here the reference client stands for them).
# Exit code: certify's (0 READY, 1 NOT READY, 2 configuration error). Extra certify options in CERTIFY_ARGS.
set -euo pipefail
cd "$(dirname "$0")/../.."

work="$(mktemp -d)"
observer_port="${OBSERVER_PORT:-4020}"
export ISSUER_CLIENT_SECRET="${ISSUER_CLIENT_SECRET:-$(openssl rand -hex 16)}"

# The bank's signing key; in a real pipeline, the key registered with D1 for the staging tenant.
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$work/bank.pem"
openssl ec -in "$work/bank.pem" -pubout -out "$work/bank.pub.pem" 2>/dev/null

# 1. The bank's backend endpoints (its token endpoint, notifications, consumer information).
npm run --silent mock:issuer -- --port 0 --client-id d1-notifier > "$work/issuer.log" &
issuer_pid=$!
trap 'kill "$issuer_pid" 2>/dev/null || true' EXIT
until grep -q 'ISSUER_BASE_URL=' "$work/issuer.log"; do sleep 0.2; done
issuer_base="$(grep -o 'ISSUER_BASE_URL=[^ ]*' "$work/issuer.log" | cut -d= -f2)"
issuer_auth="$(grep -o 'ISSUER_AUTH_URL=[^ ]*' "$work/issuer.log" | cut -d= -f2)"

# 2. certify: the suite against the endpoints, and the observer of the bank's calls, waiting for the plan.
ISSUER_BASE_URL="$issuer_base" ISSUER_AUTH_URL="$issuer_auth" ISSUER_CLIENT_ID=d1-notifier \
  ISSUER_CONSUMER_ID=cns_known_0001 ISSUER_RESTRICTED_CONSUMER_ID=cns_restricted_0001 \
  CERTIFY_OBSERVE_PUBLIC_KEY="$work/bank.pub.pem" CERTIFY_OBSERVE_KID=bank-key-1 \
  npm run --silent certify -- --observe --observe-port="$observer_port" ${CERTIFY_ARGS:-} &
certify_pid=$!

# 3. The bank's integration tests, with D1_BASE_URL=http://127.0.0.1:$observer_port/banking.
until (exec 3<>"/dev/tcp/127.0.0.1/$observer_port") 2>/dev/null; do sleep 0.2; done
npm run --silent mock:issuer-client -- --d1 "http://127.0.0.1:$observer_port" --private-key "$work/bank.pem" --kid bank-key-1

# 4. certify ends once the plan is complete and its suites have run.
wait "$certify_pid"
