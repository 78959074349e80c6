// The platform's embedded OpenID Connect provider: node's oidc-provider (OpenID Certified) as its own process.
//
//   node idp/server.mjs --config <json file>
//
// The config file (written by fiscal_app/idp.py) names the issuer, the port, the clients and the files holding
// the secrets (signing keys, cookie keys, client secrets, the bridge secret). Passwords are never checked here:
// the login form posts them to the platform's bridge (POST {bridge_url}/api/v1/_idp/verify with the shared
// secret), which asks the core. Sessions, grants and tokens live in the library's in-memory adapter: a restart
// ends every session (people log in again), which is what the embedded default accepts.
//
// CAS (统一身份认证) as an upstream, when the config names one (cfg.cas.url, from FISCAL_CAS_URL): the login page
// offers it; /interaction/<uid>/cas sends the browser to $CAS/login?service=<that same URL>, CAS sends it back
// with a ticket, and the ticket goes to the platform's CAS bridge (POST {bridge_url}/api/v1/_idp/cas with the
// shared secret), which validates it with CAS and maps the person to a core user. A full logout here also ends
// the CAS session ($CAS/logout?service=<where the logout would have gone>).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { errors, interactionPolicy } from 'oidc-provider';

const { values: argv } = parseArgs({ options: { config: { type: 'string' } } });
if (!argv.config) {
  console.error('usage: node idp/server.mjs --config <json file>');
  process.exit(2);
}

const cfg = JSON.parse(readFileSync(argv.config, 'utf8'));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const jwks = readJson(cfg.jwks_file);
const cookieKeys = readJson(cfg.cookie_keys_file);
const clientSecrets = cfg.client_secrets_file ? readJson(cfg.client_secrets_file) : {};
const bridgeSecret = (process.env.FISCAL_IDP_BRIDGE_SECRET || readFileSync(cfg.bridge_secret_file, 'utf8')).trim();
const bridgeUrl = cfg.bridge_url.replace(/\/+$/, '');
const RESOURCE = cfg.resource || 'urn:fiscal:api';
const AUDIENCE = cfg.audience || 'fiscal-api';
const ttl = { access: 600, id: 3600, session: 8 * 3600, ...(cfg.ttl || {}) };
const CAS_URL = cfg.cas?.url ? cfg.cas.url.replace(/\/+$/, '') : '';

// -- clients: first-party only (the web pages, the command line, machine clients) ------------------------------
const clients = cfg.clients.map((c) => {
  const client = { ...c };
  if (client.token_endpoint_auth_method !== 'none') {
    const secret = clientSecrets[client.client_id];
    if (!secret) throw new Error(`no secret for client ${client.client_id} in ${cfg.client_secrets_file}`);
    client.client_secret = secret;
  }
  return client;
});

// -- accounts: what the bridge said at the last login (claims of the ID token) -------------------------------
const accounts = new Map();

async function findAccount(ctx, sub) {
  const account = accounts.get(sub);
  if (!account) return undefined;
  return {
    accountId: sub,
    async claims() {
      return { sub, name: account.name, preferred_username: sub, roles: account.roles };
    },
  };
}

// -- the interaction policy: Streamlit's st.login sends prompt=select_account, which the library does not know.
// It is made a requestable prompt of its own: without a session it shows the login form, with one it offers to
// continue as the signed-in person or to log in as someone else.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

// -- pages -------------------------------------------------------------------------------------------------------
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (ch) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[ch]));

const STYLE = `body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;background:#f4f6f9;
margin:0;padding:48px 16px}main{max-width:360px;margin:0 auto;background:#fff;padding:28px 32px;border-radius:6px;
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3em;margin:0 0 4px}p.sub{color:#666;margin:0 0 20px;font-size:.9em}
label{display:block;margin:14px 0 4px;font-size:.95em}input[type=text],input[type=password]{width:100%;box-sizing:border-box;
padding:8px;font-size:1em;border:1px solid #bbb;border-radius:4px}button{margin-top:20px;width:100%;padding:10px;
font-size:1em;background:#c0392b;color:#fff;border:0;border-radius:4px;cursor:pointer}button.secondary{background:#7f8c8d}
.error{background:#fdecea;color:#8a1f11;padding:10px;border-radius:4px;margin-bottom:10px}hr{margin:24px 0;border:0;
border-top:1px solid #ddd}a.button{display:block;margin-top:12px;padding:10px;text-align:center;background:#2c6eb5;
color:#fff;border-radius:4px;text-decoration:none}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function loginPage({ uid, client, error, username, current }) {
  const err = error ? `<div class="error" id="error" role="alert">${esc(error)}</div>` : '';
  const cont = current ? `
  <form method="post" action="/interaction/${esc(uid)}/continue" id="continue-form">
    <p>当前已登录：<strong>${esc(current.name)}</strong>（${esc(current.sub)}）<br>signed in as ${esc(current.name)}</p>
    <button type="submit" id="continue">继续 / Continue</button>
  </form>
  <hr><p class="sub">或以其他用户登录（or log in as someone else）</p>` : '';
  return page('登录 / Log in', `
  <h1>财政一体化平台 登录</h1>
  <p class="sub">Fiscal platform — log in${client ? ` · ${esc(client)}` : ''}</p>
  ${err}${cont}
  <form method="post" action="/interaction/${esc(uid)}/login" id="login-form" autocomplete="off">
    <label for="username">用户名 / Username</label>
    <input type="text" id="username" name="username" value="${esc(username)}" required autofocus
           autocapitalize="none" spellcheck="false" maxlength="64">
    <label for="password">密码 / Password</label>
    <input type="password" id="password" name="password" required maxlength="256">
    <button type="submit" id="submit">登录 / Log in</button>
  </form>${CAS_URL ? `
  <hr><a class="button" id="cas-login" href="/interaction/${esc(uid)}/cas">统一身份认证登录 (CAS)</a>
  <p class="sub">Log in with the bureau's central authentication (CAS)</p>` : ''}`);
}

function errorPage(zh, en, detail) {
  return page('错误 / Error', `<h1>${esc(zh)}</h1><p>${esc(en)}</p>${detail ? `<p class="sub">${esc(detail)}</p>` : ''}`);
}

const MESSAGES = {
  failed: ['用户名或密码错误（wrong user name or password）', 401],
  locked: ['登录失败次数过多，请稍后再试（too many failed logins, try again later）', 423],
};

// -- the bridge: the platform checks the password --------------------------------------------------------------
async function verify(username, password) {
  let res;
  try {
    res = await fetch(`${bridgeUrl}/api/v1/_idp/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fiscal-idp-secret': bridgeSecret },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(15000),
    });
  } catch (e) {
    return { outcome: 'error', detail: `bridge unreachable: ${e.message}` };
  }
  if (res.status === 200) {
    const body = await res.json();
    if (typeof body.sub !== 'string' || !body.sub) return { outcome: 'error', detail: 'bridge answered without sub' };
    return { outcome: 'ok', account: body };
  }
  if (res.status === 401) return { outcome: 'failed' };
  if (res.status === 423) return { outcome: 'locked' };
  return { outcome: 'error', detail: `bridge answered ${res.status}` };
}

// -- the CAS bridge: the platform validates the ticket with CAS and maps the person to a core user -------------
const casService = (uid) => `${cfg.issuer.replace(/\/+$/, '')}/interaction/${uid}/cas`;

async function casLogin(ticket, service) {
  let res;
  try {
    res = await fetch(`${bridgeUrl}/api/v1/_idp/cas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fiscal-idp-secret': bridgeSecret },
      body: JSON.stringify({ ticket, service }),
      signal: AbortSignal.timeout(20000),
    });
  } catch (e) {
    return { outcome: 'error', detail: `bridge unreachable: ${e.message}` };
  }
  let body = {};
  try { body = await res.json(); } catch { /* not JSON: reported below */ }
  if (res.status === 200) {
    if (typeof body.sub !== 'string' || !body.sub) return { outcome: 'error', detail: 'bridge answered without sub' };
    return { outcome: 'ok', account: body };
  }
  if (res.status === 401 || res.status === 403) {
    return { outcome: 'refused', status: res.status, rule: body.rule,
      message: body.detail ? `${body.detail}（${body.detail_en || ''}）` : '统一身份认证登录失败（the CAS login failed）' };
  }
  return { outcome: 'error', detail: `bridge answered ${res.status}: ${body.detail_en || ''}` };
}

async function readForm(ctx) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 64 * 1024) ctx.throw(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// -- the provider ----------------------------------------------------------------------------------------------
const provider = new Provider(cfg.issuer, {
  clients,
  jwks,
  cookies: { keys: cookieKeys },
  findAccount,
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'roles'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,            // st.user reads the ID token only: the claims go into it
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  pkce: { required: () => true },
  interactions: {
    policy,
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  features: {
    devInteractions: { enabled: false },  // they accept any password: never in use
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('退出登录 / Log out', `
  <h1>退出登录？</h1><p class="sub">Log out of the fiscal platform?</p>
  ${form}
  <button type="submit" form="op.logoutForm" value="yes" name="logout" id="logout" autofocus>退出 / Log out</button>
  <button type="submit" form="op.logoutForm" class="secondary" id="stay">保持登录 / Stay logged in</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('已退出 / Logged out', '<h1>已退出登录</h1><p>You have logged out.</p>');
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, indicator) => {
        if (indicator !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'fiscal',
          audience: AUDIENCE,
          accessTokenTTL: ttl.access,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // a refresh token for every client allowed the grant; without offline_access it ends with the session
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: ttl.access,
    ClientCredentials: ttl.access,
    AuthorizationCode: 60,
    IdToken: ttl.id,
    Interaction: 15 * 60,
    Session: ttl.session,
    Grant: ttl.session,
    RefreshToken: ttl.session,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = errorPage('登录请求无效', 'the login request cannot be processed',
      `${out.error}${out.error_description ? `: ${out.error_description}` : ''}`);
  },
});
provider.proxy = Boolean(cfg.proxy);

// -- the interaction routes: the login form, account selection and consent (first-party clients only) ------------
async function consent(ctx, details) {
  const { prompt, params, session } = details;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const d = prompt.details;
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(d.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionResult(ctx.req, ctx.res, { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true });
}

function clientName(details) {
  const c = clients.find((x) => x.client_id === details.params.client_id);
  return c?.client_name || details.params.client_id;
}

function currentAccount(details) {
  const sub = details.session?.accountId;
  const account = sub && accounts.get(sub);
  return account ? { sub, name: account.name } : undefined;
}

async function finishLogin(ctx, account, amr) {
  accounts.set(account.sub, {
    name: account.name || account.sub,
    roles: Array.isArray(account.roles) ? account.roles : [],
  });
  console.log(`login (${amr.join(',')}): ${account.sub}`);
  const result = { login: { accountId: account.sub, amr }, select_account: {} };
  ctx.status = 303;
  return ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
}

// GET /interaction/<uid>/cas: without a ticket, off to CAS; with one (CAS sent the browser back), to the bridge
async function casStep(ctx, uid, details) {
  const service = casService(uid);
  const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
  if (!ticket) {
    ctx.status = 303;
    return ctx.redirect(`${CAS_URL}/login?service=${encodeURIComponent(service)}`);
  }
  const v = await casLogin(ticket, service);
  if (v.outcome === 'refused') {
    console.log(`CAS login refused (${v.rule}): ${v.message}`);
    ctx.status = v.status;
    ctx.type = 'html';
    ctx.body = loginPage({ uid, client: clientName(details), error: v.message });
    return undefined;
  }
  if (v.outcome !== 'ok') {
    console.error(`CAS login error: ${v.detail}`);
    ctx.status = 502;
    ctx.type = 'html';
    ctx.body = errorPage('统一身份认证服务暂不可用，请稍后再试', 'the central authentication (CAS) is unavailable, try again later');
    return undefined;
  }
  return finishLogin(ctx, v.account, ['cas']);
}

// single logout: a full logout here (the "log out" button) also ends the CAS session, then goes where it went
if (CAS_URL) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/session/end/confirm' && ctx.status === 303 && ctx.oidc?.params?.logout) {
      const back = new URL(ctx.response.get('location'), cfg.issuer).href;
      ctx.redirect(`${CAS_URL}/logout?service=${encodeURIComponent(back)}`);
      ctx.status = 303;
    }
  });
}

provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([\w-]+)(?:\/(login|continue|cas))?$/.exec(ctx.path);
  if (!m) return next();
  const [, uid, action] = m;
  ctx.set('cache-control', 'no-store');
  ctx.set('x-frame-options', 'DENY');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (e) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = errorPage('登录已过期，请重新打开应用登录', 'the login has expired: open the application again', e.message);
    return undefined;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = errorPage('登录请求无效', 'the login request does not match this page');
    return undefined;
  }
  const promptName = details.prompt.name;

  if (!action && ctx.method === 'GET') {
    if (promptName === 'consent') {                       // first-party clients: nothing to ask
      ctx.status = 303;
      return ctx.redirect(await consent(ctx, details));
    }
    ctx.type = 'html';
    ctx.body = loginPage({
      uid, client: clientName(details), username: details.params.login_hint,
      current: promptName === 'select_account' ? currentAccount(details) : undefined,
    });
    return undefined;
  }
  if (action === 'cas' && CAS_URL && ctx.method === 'GET' && ['login', 'select_account'].includes(promptName)) {
    return casStep(ctx, uid, details);
  }
  if (ctx.method !== 'POST' || !['login', 'select_account'].includes(promptName)) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = errorPage('登录请求无效', 'unexpected request for this login step');
    return undefined;
  }
  if (action === 'continue') {
    if (!currentAccount(details)) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage('当前没有登录的用户', 'nobody is signed in');
      return undefined;
    }
    ctx.status = 303;
    return ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { select_account: {} }));
  }

  const form = await readForm(ctx);
  const username = (form.get('username') || '').trim();
  const password = form.get('password') || '';
  const render = (key) => {
    const [message, status] = MESSAGES[key];
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = loginPage({ uid, client: clientName(details), error: message, username });
  };
  if (!username || !password) return render('failed');
  const v = await verify(username, password);
  if (v.outcome === 'failed' || v.outcome === 'locked') {
    console.log(`login refused (${v.outcome}): ${JSON.stringify(username)}`);
    return render(v.outcome);
  }
  if (v.outcome !== 'ok') {
    console.error(`login error: ${v.detail}`);
    ctx.status = 502;
    ctx.type = 'html';
    ctx.body = errorPage('登录服务暂不可用，请稍后再试', 'the login service is unavailable, try again later');
    return undefined;
  }
  return finishLogin(ctx, v.account, ['pwd']);
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));

const server = provider.listen(cfg.port, cfg.host || '127.0.0.1', () => {
  console.log(`fiscal idp: ${cfg.issuer} (listening on ${cfg.host || '127.0.0.1'}:${cfg.port})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
