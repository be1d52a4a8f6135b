import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';
import { fromRoot } from '../../lib/paths.js';

/** The JUnit schema kept in the repository, which CI readers' format the run's JUnit XML must keep to. */
const JUNIT_SCHEMA = readFileSync(fromRoot('reporters', 'junit.xsd'), 'utf8');

/** Why a JUnit XML document breaks reporters/junit.xsd (or is not well-formed), as libxml2 says it; empty when it keeps to it. */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: { fileName: 'results.xml', contents: xml },
    schema: { fileName: 'junit.xsd', contents: JUNIT_SCHEMA },
    // A whole certification's file is several MiB; the default limit is 32 MiB of memory.
    maxMemoryPages: 16 * 256,
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

/**
 * An XPath expression evaluated on a document by libxml2, as a string: what a CI reading the file gets, entities and
 * character references resolved.
 */
export async function xpath(xml: string, expression: string): Promise<string> {
  const result = await validateXML({
    xml: { fileName: 'results.xml', contents: xml },
    normalization: 'format',
    maxMemoryPages: 16 * 256,
    // The normalised output is what xmllint prints: with --xpath in place of --format, the expression's value.
    modifyArguments: (args) => [...args.filter((a) => a !== '--format'), '--xpath', expression],
  });
  if (!result.valid) throw new Error(`not well-formed XML: ${result.errors.map((e) => e.rawMessage).join('; ')}`);
  return result.normalized.replace(/\n$/, '');
}
