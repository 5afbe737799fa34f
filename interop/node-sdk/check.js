// Lean's official Node SDK (@leantechnologies/node-sdk, v1 API, lean-app-token) against
// lean-sandbox. Usage: node check.js http://127.0.0.1:PORT
//
// The SDK hard-codes https://sandbox.leantech.me; the only change made to it is its axios
// base URL, pointed at the emulator. Everything else (paths with trailing slashes, headers,
// bodies, how it reads answers, how it verifies webhooks) is Lean's code as published.
'use strict';

const http = require('http');
const { default: Lean } = require('@leantechnologies/node-sdk/dist/Lean');
const { Environment } = require('@leantechnologies/node-sdk/dist/types/LeanSettings');

const base = process.argv[2];
if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error('usage: node check.js http://127.0.0.1:PORT (a loopback lean-sandbox)');
  process.exit(2);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

function assert(cond, what) {
  if (!cond) throw new Error(what);
}

async function control(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// A webhook receiver on loopback that keeps the raw bytes, as verifyWebhook needs them.
function receiver() {
  const hooks = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const hook = { body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['lean-signature'] };
      hooks.push(hook);
      waiters.splice(0).forEach((w) => w());
      res.writeHead(200).end();
    });
  });
  const next = async (pred, ms) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = hooks.find(pred);
      if (found) return found;
      const left = until - Date.now();
      if (left <= 0) throw new Error('no such webhook within ' + ms + ' ms');
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, Math.min(left, 200));
      });
    }
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, next, url: `http://127.0.0.1:${server.address().port}/hooks` })),
  );
}

async function main() {
  const state = await control('GET', '/_sandbox/state');
  const hooks = await receiver();
  await control('POST', '/_sandbox/webhook-url', hooks.url);
  const entity = state.customers[0].entities[0];
  const entityId = entity.entity_id;
  const accountId = entity.accounts[0].account_id;

  const lean = new Lean(state.app_token, Environment.SANDBOX, undefined, state.webhook_secret);
  lean._axios.defaults.baseURL = base;

  await check('createCustomer', async () => {
    const c = await lean.createCustomer(`node_sdk_user_${process.pid}_${Date.now()}`);
    assert(UUID.test(c.customer_id), 'customer_id is a UUID: ' + JSON.stringify(c));
    assert(c.app_user_id.startsWith('node_sdk_user_'), 'app_user_id echoed');
    let conflict = null;
    try {
      await lean.createCustomer(c.app_user_id);
    } catch (e) {
      conflict = e;
    }
    assert(conflict && conflict.name === 'CUSTOMER_ALREADY_EXISTS', 'a reused app_user_id is LeanError CUSTOMER_ALREADY_EXISTS: ' + conflict);
  });

  await check('getSupportedBanks', async () => {
    const banks = await lean.getSupportedBanks();
    assert(Array.isArray(banks) && banks.length > 0, 'a list of banks');
    for (const b of banks) {
      assert(typeof b.identifier === 'string' && typeof b.name === 'string', 'identifier and name: ' + JSON.stringify(b));
      assert(Array.isArray(b.supported_account_types), 'supported_account_types');
    }
  });

  await check('getAccounts', async () => {
    const p = await lean.getAccounts(entityId);
    assert(Array.isArray(p.accounts) && p.accounts.length > 0, 'payload.accounts: ' + JSON.stringify(p).slice(0, 200));
    assert(p.accounts.some((a) => a.account_id === accountId), 'the seeded account is listed');
    for (const a of p.accounts) assert(typeof a.currency_code === 'string' && 'credit' in a, 'v1 account shape');
  });

  await check('getBalance', async () => {
    const p = await lean.getBalance(entityId, accountId);
    assert(typeof p.balance === 'number', 'balance is a JSON number: ' + JSON.stringify(p));
    assert(p.account_id === accountId && typeof p.currency_code === 'string', 'account_id and currency_code');
  });

  await check('getTransactions', async () => {
    const p = await lean.getTransactions(entityId, accountId);
    assert(Array.isArray(p.transactions) && p.transactions.length > 0, 'payload.transactions');
    const t = p.transactions[0];
    assert(typeof t.id === 'string' && typeof t.amount === 'number' && typeof t.timestamp === 'string', 'v1 transaction shape: ' + JSON.stringify(t));
  });

  await check('getIdentity', async () => {
    const p = await lean.getIdentity(entityId);
    assert(typeof p.full_name === 'string' && p.full_name.length > 0, 'full_name: ' + JSON.stringify(p));
  });

  await check('unknown entity is a LeanError', async () => {
    let err = null;
    try {
      await lean.getAccounts('00000000-0000-4000-8000-000000000000');
    } catch (e) {
      err = e;
    }
    assert(err && err.name === 'UNKNOWN_ENTITY' && err.message, 'LeanError UNKNOWN_ENTITY with a message: ' + err);
  });

  let readyHook = null;
  await check('async=true: PENDING, signed results.ready, results', async () => {
    // The SDK has no async flag; its own request helper sends the body Lean documents.
    const pending = await lean._handleRequest('/data/v1/accounts/', { entity_id: entityId, async: true });
    assert(pending.status === 'PENDING' && UUID.test(pending.results_id), 'v1 PENDING answer: ' + JSON.stringify(pending));
    readyHook = await hooks.next((h) => {
      const e = JSON.parse(h.body);
      return e.type === 'results.ready' && e.payload.id === pending.results_id;
    }, 20000);
    const results = await lean._axios.get(`/data/v1/results/${pending.results_id}`);
    assert(results.data.status === 'OK' && Array.isArray(results.data.payload.accounts), 'results in the v1 envelope');
  });

  await check('verifyWebhook on the sandbox\'s signed webhooks', async () => {
    assert(readyHook, 'a results.ready webhook arrived');
    assert(lean.verifyWebhook(readyHook.body, readyHook.signature) === true, 'genuine webhook verifies');
    const forged = readyHook.body.replace('results.ready', 'results.readx');
    assert(lean.verifyWebhook(forged, readyHook.signature) === false, 'an altered body does not');
    // A connection sends entity.created and the refresh events, signed the same way.
    const created = await control('POST', '/_sandbox/connect', { customer_id: state.customers[0].customer_id });
    const hook = await hooks.next((h) => JSON.parse(h.body).type === 'entity.created' && JSON.parse(h.body).payload.id === created.entity_id, 20000);
    assert(lean.verifyWebhook(hook.body, hook.signature) === true, 'entity.created verifies');
  });

  // The SDK's seven payment methods.
  const customerId = state.customers[0].customer_id;
  const destinationArgs = ['Al Fulani', 'Fulani Al Fulani', 'ENBD_UAE', '1234 Sky Bldg.', 'Abu Dhabi', 'ARE',
    '1015000000601', 'AE760260001015000000601', 'EBILAEADXXX'];
  let appDestination = null;
  await check('createAppPaymentDestination, getAppPaymentDestinations', async () => {
    appDestination = await lean.createAppPaymentDestination(...destinationArgs);
    assert(UUID.test(appDestination.id), 'a destination id: ' + JSON.stringify(appDestination));
    assert(appDestination.iban === 'AE760260001015000000601', 'its IBAN echoed');
    const all = await lean.getAppPaymentDestinations();
    assert(Array.isArray(all) && all.some((d) => d.id === appDestination.id), 'listed: ' + JSON.stringify(all).slice(0, 200));
  });

  await check('createCustomerPaymentDestination, getCustomerPaymentDestinations', async () => {
    const mine = await lean.createCustomerPaymentDestination(customerId, ...destinationArgs);
    assert(UUID.test(mine.id), 'a destination id: ' + JSON.stringify(mine));
    const theirs = await lean.getCustomerPaymentDestinations(customerId);
    assert(Array.isArray(theirs) && theirs.some((d) => d.id === mine.id), "listed as the customer's");
    const apps = await lean.getAppPaymentDestinations();
    assert(!apps.some((d) => d.id === mine.id), "not the application's");
  });

  await check('getCustomerPaymentSources', async () => {
    const sources = await lean.getCustomerPaymentSources(customerId);
    assert(Array.isArray(sources) && sources.length > 0, 'a source: ' + JSON.stringify(sources).slice(0, 200));
    assert(sources[0].customer_id === customerId && Array.isArray(sources[0].accounts), 'its customer and accounts');
  });

  await check('createPaymentIntent, getPaymentIntent, payment_intent.created', async () => {
    assert(appDestination, 'a destination was made');
    const intent = await lean.createPaymentIntent(12.5, 'AED', 'node sdk payment', appDestination.id, customerId);
    assert(UUID.test(intent.payment_intent_id), 'an intent id: ' + JSON.stringify(intent));
    assert(intent.amount === 12.5 && intent.currency === 'AED', 'amount and currency echoed');
    assert(intent.payment_destination && intent.payment_destination.id === appDestination.id, 'to the destination');
    const read = await lean.getPaymentIntent(intent.payment_intent_id);
    assert(read.payment_intent_id === intent.payment_intent_id, 'read back');
    const hook = await hooks.next((h) => {
      const e = JSON.parse(h.body);
      return e.type === 'payment_intent.created' && e.payload.intent_id === intent.payment_intent_id;
    }, 20000);
    assert(lean.verifyWebhook(hook.body, hook.signature) === true, 'payment_intent.created verifies');
  });

  hooks.server.close();
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
