import type { Party } from './operations.js';

/** The shape of one entry of gen/operations.ts. */
export interface OperationRegistryEntry {
  readonly operationId: string;
  readonly contract: string;
  readonly party: Party;
  readonly method: string;
  /** Path template, version prefix included, relative to the party's base URL. */
  readonly path: string;
  /** Row of the D1 API summary. */
  readonly api: string;
  readonly category: string;
  /** Catalogue ids listed in the operation's x-rules. */
  readonly rules: readonly string[];
  /** Alternatives of security schemes; an empty alternative means credentials are optional. */
  readonly security: readonly (readonly string[])[];
  readonly validators: {
    /** location (path, query, header) -> validator name */
    readonly parameters: Readonly<Record<string, string>>;
    /** media type -> validator name */
    readonly requestBody: Readonly<Record<string, string>>;
    /** status -> media type -> validator name; a status without content maps to an empty record */
    readonly responses: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
  readonly requestBodyRequired: boolean;
  readonly examples: {
    readonly parameters: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly requestBody: Readonly<Record<string, unknown>>;
    readonly responses: Readonly<Record<string, unknown>>;
  };
  /** `part:pointer:keyword` -> catalogue id of the field rule that constraint encodes. */
  readonly ruleIndex: Readonly<Record<string, string>>;
  /** Field rule id -> where it applies and the constraints of the value there. */
  readonly fields: Readonly<Record<string, FieldConstraint>>;
}

export interface FieldConstraint {
  readonly in: 'path' | 'query' | 'header' | 'body' | 'response';
  readonly status?: string;
  readonly pointer: string;
  readonly keyword: string;
  readonly schema: {
    readonly type?: string;
    readonly pattern?: string;
    readonly minLength?: number;
    readonly maxLength?: number;
    readonly enum?: readonly unknown[];
    readonly format?: string;
    readonly minItems?: number;
    readonly maxItems?: number;
  };
}
