import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromRoot } from '../paths.js';
import { loadDereferenced } from './dereference.js';

export type JsonSchema = Record<string, unknown>;
export type ParameterLocation = 'path' | 'query' | 'header';
export type Party = 'd1' | 'issuer';

/** One operation of a contract, with each request part and response flattened into a JSON Schema. */
export interface OperationDescription {
  readonly operationId: string;
  readonly contract: string;
  readonly party: Party;
  readonly method: string;
  readonly path: string;
  readonly api: string;
  readonly category: string;
  readonly rules: readonly string[];
  /** Alternatives of security requirements; an empty alternative means the call may go without credentials. */
  readonly security: readonly (readonly string[])[];
  readonly parameters: Partial<Record<ParameterLocation, JsonSchema>>;
  readonly parameterExamples: Partial<Record<ParameterLocation, Record<string, unknown>>>;
  readonly requestBody: { readonly required: boolean; readonly content: Record<string, JsonSchema> } | undefined;
  readonly requestBodyExamples: Record<string, unknown>;
  /** status -> media type -> schema; a status with no content maps to an empty record. */
  readonly responses: Record<string, Record<string, JsonSchema>>;
  readonly responseExamples: Record<string, unknown>;
}

interface ApiRow {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly contract: string;
  readonly operations: readonly string[];
}

export function loadApiRows(): ApiRow[] {
  const document = parse(readFileSync(fromRoot('specs', 'apis.yaml'), 'utf8')) as { apis: ApiRow[] };
  return document.apis;
}

/** Contract files in the order of the D1 API summary rows that first name them. */
export function contractFiles(): string[] {
  return [...new Set(loadApiRows().map((row) => row.contract))];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
  example?: unknown;
  'x-provenance'?: string;
}

export function describeContract(contractFile: string): OperationDescription[] {
  const document = asRecord(loadDereferenced(fromRoot('contracts', contractFile)));
  const contract = contractFile.replace(/\.yaml$/, '');
  const party: Party = contract.startsWith('issuer-') ? 'issuer' : 'd1';
  const globalSecurity = (document.security as Record<string, unknown>[] | undefined) ?? [];
  const operations: OperationDescription[] = [];

  for (const [pathTemplate, pathItemRaw] of Object.entries(asRecord(document.paths))) {
    const pathItem = asRecord(pathItemRaw);
    const pathParameters = (pathItem.parameters as Parameter[] | undefined) ?? [];
    for (const method of METHODS) {
      const operation = asRecord(pathItem[method]);
      if (Object.keys(operation).length === 0) continue;
      const operationId = String(operation.operationId);
      const allParameters = mergeParameters(pathParameters, (operation.parameters as Parameter[] | undefined) ?? []);

      const parameters: Partial<Record<ParameterLocation, JsonSchema>> = {};
      const parameterExamples: Partial<Record<ParameterLocation, Record<string, unknown>>> = {};
      for (const location of ['path', 'query', 'header'] as const) {
        const ofLocation = allParameters.filter((p) => p.in === location);
        if (ofLocation.length === 0) continue;
        // Header names are case-insensitive on the wire; they are validated lowercased.
        const nameOf = (p: Parameter): string => (location === 'header' ? p.name.toLowerCase() : p.name);
        parameters[location] = {
          type: 'object',
          // A parameter marked inferred passes the mark to its schema, where the provenance checks look for it.
          properties: Object.fromEntries(
            ofLocation.map((p) => [
              nameOf(p),
              p['x-provenance'] ? { ...(p.schema ?? {}), 'x-provenance': p['x-provenance'] } : (p.schema ?? {}),
            ]),
          ),
          required: ofLocation.filter((p) => p.required === true).map(nameOf),
        };
        parameterExamples[location] = Object.fromEntries(
          ofLocation.filter((p) => p.example !== undefined).map((p) => [nameOf(p), p.example]),
        );
      }

      const body = asRecord(operation.requestBody);
      const bodyContent = asRecord(body.content);
      const requestBodyExamples: Record<string, unknown> = {};
      const requestContent: Record<string, JsonSchema> = {};
      for (const [mediaType, media] of Object.entries(bodyContent)) {
        requestContent[mediaType] = asRecord(asRecord(media).schema);
        const example = asRecord(media).example;
        if (example !== undefined) requestBodyExamples[mediaType] = example;
      }

      const responses: Record<string, Record<string, JsonSchema>> = {};
      const responseExamples: Record<string, unknown> = {};
      for (const [status, responseRaw] of Object.entries(asRecord(operation.responses))) {
        responses[status] = {};
        for (const [mediaType, media] of Object.entries(asRecord(asRecord(responseRaw).content))) {
          responses[status][mediaType] = asRecord(asRecord(media).schema);
          const example = asRecord(media).example;
          if (example !== undefined && responseExamples[status] === undefined) responseExamples[status] = example;
        }
      }

      const security = ((operation.security as Record<string, unknown>[] | undefined) ?? globalSecurity).map((alternative) =>
        Object.keys(alternative),
      );

      operations.push({
        operationId,
        contract,
        party,
        method: method.toUpperCase(),
        path: pathTemplate,
        api: String(operation['x-d1-api']),
        category: String(operation['x-d1-category']),
        rules: ((operation['x-rules'] as string[] | undefined) ?? []).map(String),
        security,
        parameters,
        parameterExamples,
        requestBody: Object.keys(bodyContent).length > 0 ? { required: body.required === true, content: requestContent } : undefined,
        requestBodyExamples,
        responses,
        responseExamples,
      });
    }
  }
  return operations;
}

function mergeParameters(pathLevel: Parameter[], operationLevel: Parameter[]): Parameter[] {
  const key = (p: Parameter): string => `${p.in}:${p.name.toLowerCase()}`;
  const merged = new Map(pathLevel.map((p) => [key(p), p]));
  for (const p of operationLevel) merged.set(key(p), p);
  return [...merged.values()];
}

export function describeAllContracts(): OperationDescription[] {
  return contractFiles().flatMap(describeContract);
}

/** Keywords whose value is a map from names (property names, header names) to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
/** Keywords whose value is data, not a schema. */
const DATA_KEYWORDS = new Set(['enum', 'default', 'const', 'required']);

/** Removes the OpenAPI-only annotations (x-*, example) so that ajv's strict mode accepts the schema. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Record<string, unknown>)
      .filter(([key]) => !key.startsWith('x-') && key !== 'example' && key !== 'examples')
      .map(([key, value]) => {
        if (DATA_KEYWORDS.has(key)) return [key, value];
        if (SCHEMA_MAPS.has(key)) {
          return [key, Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([n, s]) => [n, toJsonSchema(s)]))];
        }
        return [key, toJsonSchema(value)];
      }),
  );
}
