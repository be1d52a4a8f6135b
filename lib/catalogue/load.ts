import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromRoot } from '../paths.js';

export type Category = 'mandatory' | 'conditional' | 'optional';
export type Provenance = 'documented' | 'inferred';
export type RuleKind = 'field' | 'behaviour' | 'error' | 'auth' | 'usage';
export type FieldKeyword = 'pattern' | 'length' | 'enum' | 'required' | 'type' | 'format' | 'items' | 'content-type';
export type RulePart = 'path' | 'query' | 'header' | 'body' | 'response';

export interface FieldCheck {
  readonly operations: readonly string[];
  readonly in: RulePart;
  readonly status?: string;
  readonly pointer: string;
  readonly keyword: FieldKeyword;
}

export interface CatalogueRule {
  readonly id: string;
  readonly api: string;
  readonly category: Category;
  readonly provenance: Provenance;
  readonly source: string;
  readonly kind: RuleKind;
  readonly statement: string;
  readonly note?: string;
  /** A security rule fails a go-live whatever its provenance. */
  readonly security?: true;
  /** A documented recommendation (should), not a requirement: a failure is a warning. */
  readonly recommendation?: true;
  /**
   * A documented rule that departs from the standard the documents cite for it (a documentation quirk): a failure
   * is a warning naming the standard, since a target following the standard is not wrong.
   */
  readonly contradicts?: { readonly standard: string; readonly says: string };
  readonly observable?: { readonly by: 'none' | 'observer'; readonly why: string };
  readonly check?: FieldCheck;
  /** The catalogue file the rule comes from, relative to specs/. */
  readonly file: string;
}

/** A rule as gen/catalogue.ts carries it. */
export type CatalogueEntry = Omit<CatalogueRule, 'file'>;

export interface ApiRow {
  readonly id: string;
  readonly name: string;
  readonly category: Category;
  readonly direction: 'issuer-to-d1' | 'd1-to-issuer';
  readonly group: string;
  readonly contract: string;
  readonly operations: readonly string[];
}

export interface CatalogueSources {
  readonly apisSource: string;
  readonly apis: readonly ApiRow[];
  readonly files: readonly { readonly file: string; readonly content: unknown }[];
}

/** Reads the catalogue as written, one parsed document per file, for schema validation and generation. */
export function readCatalogueSources(): CatalogueSources {
  const apisDocument = parse(readFileSync(fromRoot('specs', 'apis.yaml'), 'utf8')) as { source: string; apis: ApiRow[] };
  const files = readdirSync(fromRoot('specs', 'rules'))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ file: `rules/${name}`, content: parse(readFileSync(fromRoot('specs', 'rules', name), 'utf8')) as unknown }));
  return { apisSource: apisDocument.source, apis: apisDocument.apis, files };
}

export function flattenRules(sources: CatalogueSources): CatalogueRule[] {
  return sources.files.flatMap(({ file, content }) =>
    ((content as { rules?: Omit<CatalogueRule, 'file'>[] }).rules ?? []).map((rule) => ({ ...rule, file })),
  );
}
