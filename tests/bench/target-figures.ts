/**
 * Figures for the bench's self-tests, derived from the targets of bench/targets.ts: a target raised or added there
 * needs no change here.
 */
import { TARGETS, formatFigure, formatTarget, type TargetDefinition, type TargetId } from '../../bench/targets.js';

export const definitionOf = (id: TargetId): TargetDefinition => {
  const definition = TARGETS.find((t) => t.id === id);
  if (!definition) throw new Error(`no target ${id}`);
  return definition;
};

/** A figure that meets the target with a margin (a fifth of the threshold). */
export function metFigure(id: TargetId): number {
  const { comparison, threshold } = definitionOf(id);
  return comparison === 'at-least' ? threshold * 1.2 : threshold * 0.8;
}

/** A figure that misses the target by a fifth of the threshold. */
export function missedFigure(id: TargetId): number {
  const { comparison, threshold } = definitionOf(id);
  return comparison === 'at-least' ? threshold * 0.8 : threshold * 1.2;
}

/** Figures that meet every target. */
export const ALL_MET = Object.fromEntries(TARGETS.map((t) => [t.id, metFigure(t.id)])) as Readonly<Record<TargetId, number>>;

/** A target's line in the results table and in bench:check's output, as a reader sees it. */
export const figureAndTarget = (id: TargetId, value: number): string => {
  const definition = definitionOf(id);
  return `${definition.description}: ${formatFigure(value, definition.unit)} (target ${formatTarget(definition)})`;
};
