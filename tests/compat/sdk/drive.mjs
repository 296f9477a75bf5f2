// Drives this server with Twenty's own client, twenty-client-sdk, as an integration written for Twenty
// would: the metadata client (genql, generated from Twenty's schema), a core client generated from this
// server's /graphql schema by the SDK's own generator, and the SDK's REST client.
//
//   node drive.mjs <sdk node_modules> <base url> <access token> <webhook target url> <work dir>
//
// Prints one JSON object with what each step answered; any failure exits non-zero with the error.

import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, baseUrl, accessToken, targetUrl, workDir] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(createRequire(path.join(modules, 'x.js')).resolve(name)).href);

const { MetadataApiClient } = await load('twenty-client-sdk/metadata');
const { RestApiClient } = await load('twenty-client-sdk/rest');
const { generateCoreClientFromSchema } = await load('twenty-client-sdk/generate');
const graphql = await load('graphql');

const out = {};
const auth = (token) => ({ Authorization: `Bearer ${token}` });

// --- API keys, with the user's token ---------------------------------------------------------
const asUser = new MetadataApiClient({ url: `${baseUrl}/metadata`, headers: auth(accessToken) });
out.currentWorkspace = (await asUser.query({ currentWorkspace: { id: true, displayName: true } })).currentWorkspace;
const key = (await asUser.mutation({
  createApiKey: { __args: { input: { name: 'SDK key', expiresAt: '2099-01-01T00:00:00.000Z' } }, id: true, name: true },
})).createApiKey;
const token = (await asUser.mutation({
  generateApiKeyToken: { __args: { apiKeyId: key.id, expiresAt: '2099-01-01T00:00:00.000Z' }, token: true },
})).generateApiKeyToken.token;
out.apiKey = { name: key.name, token: token.length > 20 };

// --- metadata, with the API key ----------------------------------------------------------------
const metadata = new MetadataApiClient({ url: `${baseUrl}/metadata`, headers: auth(token) });
out.keyWorkspace = (await metadata.query({ currentWorkspace: { id: true } })).currentWorkspace.id;
const rocket = (await metadata.mutation({
  createOneObject: {
    __args: { input: { object: { nameSingular: 'rocket', namePlural: 'rockets', labelSingular: 'Rocket',
                                 labelPlural: 'Rockets', icon: 'IconRocket' } } },
    id: true, nameSingular: true,
  },
})).createOneObject;
const fuel = (await metadata.mutation({
  createOneField: {
    __args: { input: { field: { objectMetadataId: rocket.id, name: 'fuel', label: 'Fuel', type: 'NUMBER' } } },
    id: true, name: true, type: true,
  },
})).createOneField;
const renamed = (await metadata.mutation({
  updateOneObject: { __args: { input: { id: rocket.id, update: { labelPlural: 'Spaceships' } } }, labelPlural: true },
})).updateOneObject;
const objects = (await metadata.query({
  objects: { __args: { paging: { first: 100 }, filter: {} }, edges: { node: { nameSingular: true, isCustom: true } },
             totalCount: true },
})).objects;
out.metadata = {
  rocket: rocket.nameSingular, fuel: [fuel.name, fuel.type], renamed: renamed.labelPlural,
  objects: objects.edges.map((e) => e.node.nameSingular).sort(), totalCount: objects.totalCount,
};

// --- webhooks ----------------------------------------------------------------------------------
const hook = (await metadata.mutation({
  createWebhook: {
    __args: { input: { targetUrl, operations: ['company.created'], description: 'SDK hook', secret: 'sdk-secret' } },
    id: true, operations: true, targetUrl: true,
  },
})).createWebhook;
out.webhook = { operations: hook.operations, targetUrl: hook.targetUrl };

// --- records through a core client generated from this server's schema ---------------------------
const introspection = await fetch(`${baseUrl}/graphql`, {
  method: 'POST', headers: { ...auth(token), 'Content-Type': 'application/json' },
  body: JSON.stringify({ query: graphql.getIntrospectionQuery() }),
}).then((r) => r.json());
const sdl = graphql.printSchema(graphql.buildClientSchema(introspection.data));
const generated = path.join(workDir, 'core-client');
await mkdir(generated, { recursive: true });
await writeFile(path.join(workDir, 'schema.graphql'), sdl);
await generateCoreClientFromSchema({ schema: sdl, outputPath: generated });
const { CoreApiClient } = await import(pathToFileURL(path.join(generated, 'index.mjs')).href);
const core = new CoreApiClient({ url: `${baseUrl}/graphql`, headers: auth(token) });

const acme = (await core.mutation({
  createCompany: {
    __args: { data: { name: 'Acme', employees: 10, domainName: { primaryLinkUrl: 'acme.com', primaryLinkLabel: 'Acme' } } },
    id: true, name: true, employees: true,
  },
})).createCompany;
// Twenty's composite fields (LINKS): filtered by a sub-field
const byDomain = (await core.query({
  companies: { __args: { filter: { domainName: { primaryLinkUrl: { ilike: '%ACME.COM' } } } }, edges: { node: { name: true } } },
})).companies;
const updated = (await core.mutation({
  updateCompany: { __args: { id: acme.id, data: { employees: 12 } }, id: true, employees: true },
})).updateCompany;
const upserted = (await core.mutation({
  createCompanies: {
    __args: { data: [{ id: acme.id, name: 'Acme Corp' }, { name: 'Globex' }], upsert: true },
    id: true, name: true, employees: true,
  },
})).createCompanies;
const listed = (await core.query({
  companies: {
    __args: { filter: { employees: { gte: 1 } }, orderBy: [{ name: 'AscNullsFirst' }], first: 10 },
    edges: { node: { id: true, name: true } }, totalCount: true, pageInfo: { hasNextPage: true },
  },
})).companies;
const launched = (await core.mutation({
  createRocket: { __args: { data: { name: 'Falcon', fuel: 90 } }, id: true, name: true, fuel: true },
})).createRocket;
const rockets = (await core.query({ rockets: { edges: { node: { name: true, fuel: true } } } })).rockets;
const byFilter = (await core.mutation({
  updateCompanies: { __args: { filter: { name: { eq: 'Globex' } }, data: { employees: 3 } }, name: true, employees: true },
})).updateCompanies;
const deleted = (await core.mutation({ deleteCompany: { __args: { id: acme.id }, id: true, deletedAt: true } }))
  .deleteCompany;
out.core = {
  created: [acme.name, acme.employees], updated: updated.employees,
  upserted: upserted.map((c) => [c.id === acme.id, c.name, c.employees]),
  listed: listed.edges.map((e) => e.node.name), totalCount: listed.totalCount, hasNextPage: listed.pageInfo.hasNextPage,
  rocket: [launched.name, launched.fuel], rockets: rockets.edges.map((e) => e.node),
  byFilter, deleted: deleted.id === acme.id && deleted.deletedAt !== null,
  byDomain: byDomain.edges.map((e) => e.node.name),
};

// --- records and metadata through the REST client (Twenty's envelopes: --compat twenty) ----------
const rest = new RestApiClient({ baseUrl: `${baseUrl}/rest`, token });
const initech = (await rest.post('/companies', { name: 'Initech', employees: 7 })).data.createCompany;
const got = (await rest.get(`/companies/${initech.id}`)).data.company;
const patched = (await rest.patch(`/companies/${initech.id}`, { employees: 8 })).data.updateCompany;
const page = await rest.get('/companies', { query: { limit: 2, order_by: 'name' } });
const batch = (await rest.post('/batch/rockets', [{ name: 'Soyuz' }, { name: 'Ariane', fuel: 50 }])).data.createRockets;
const restUpsert = (await rest.post('/companies', { id: initech.id, name: 'Initrode' }, { query: { upsert: true } }))
  .data.createCompany;
const removed = (await rest.delete(`/companies/${initech.id}`)).data.deleteCompany;
// a person's Twenty composite fields (EMAILS, PHONES), written and filtered by a sub-field
const ada = (await rest.post('/people', {
  name: { firstName: 'Ada' }, emails: { primaryEmail: 'ada@initech.com', additionalEmails: ['ada@home.org'] },
  phones: { primaryPhoneNumber: '5550123', primaryPhoneCallingCode: '+1' },
})).data.createPerson;
const found = await rest.get('/people', { query: { filter: 'emails.primaryEmail[eq]:ada@initech.com' } });
let missing = null;
try {
  await rest.get(`/companies/${initech.id}`);
} catch (error) {
  // Twenty's REST error body: {statusCode, error: 'NotFoundException', messages, code}
  missing = { status: error.status, error: error.body?.error, code: error.body?.code };
}
const restObjects = await rest.get('/metadata/objects', { query: { limit: 3 } });
out.rest = {
  created: initech.name, got: got.id === initech.id, patched: patched.employees,
  page: { names: page.data.companies.map((c) => c.name), totalCount: page.totalCount,
          hasNextPage: page.pageInfo.hasNextPage },
  batch: batch.map((r) => [r.name, r.fuel]), upsert: [restUpsert.id === initech.id, restUpsert.name, restUpsert.employees],
  removed: removed.id === initech.id, missing,
  person: { emails: ada.emails, phone: ada.phones.primaryPhoneNumber,
            found: found.data.people.map((p) => p.id === ada.id) },
  metadataObjects: { count: restObjects.data.objects.length, totalCount: restObjects.totalCount },
};

// --- webhooks listed, changed and deleted (another one: the first one's deliveries are on their way) --
const other = (await metadata.mutation({
  createWebhook: { __args: { input: { targetUrl, operations: ['opportunity.destroyed'] } }, id: true },
})).createWebhook;
const changed = (await metadata.mutation({
  updateWebhook: { __args: { input: { id: other.id, update: { operations: ['note.created', 'note.updated'] } } },
                   operations: true },
})).updateWebhook;
const hooks = (await metadata.query({ webhooks: { id: true, operations: true } })).webhooks;
const gone = (await metadata.mutation({ deleteWebhook: { __args: { id: other.id }, id: true } })).deleteWebhook;
const left = (await metadata.query({ webhooks: { id: true } })).webhooks;
out.webhooks = {
  changed: changed.operations, listed: hooks.map((h) => h.operations).sort(), deleted: gone.id === other.id,
  left: left.map((h) => h.id === hook.id),
};

// --- an error reaches the client as Twenty's would ------------------------------------------------
try {
  await core.mutation({ updateCompany: { __args: { id: '00000000-0000-4000-8000-000000000000', data: { employees: 1 } },
                                         id: true } });
  out.notFound = null;
} catch (error) {
  out.notFound = error.errors?.[0]?.extensions?.code ?? String(error);
}
console.log(JSON.stringify(out));
