import { fieldId } from './group-form';

/** Messages to show beside each field, by field key. */
export type FieldErrors = Readonly<Record<string, readonly string[]>>;

const NONE: readonly string[] = [];

export function errorsOf(errors: FieldErrors, key: string): readonly string[] {
  return errors[key] ?? NONE;
}

/** The id of the element that shows a field's errors, or false when it has none. */
export function errorIdOf(errors: FieldErrors, key: string): string | false {
  return errorsOf(errors, key).length > 0 && `${fieldId(key)}-error`;
}

/** An `aria-describedby` value from the ids that apply, or undefined when none does. */
export function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(' ') || undefined;
}
