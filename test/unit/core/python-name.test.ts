import { describe, expect, it } from 'vitest';
import { normalizePythonName } from '../../../src/core/python-name.js';
import { normalizePythonName as fromChecks } from '../../../src/checks/packages.js';
import { normalizePythonName as fromFacts } from '../../../src/facts/normalize.js';

describe('normalizePythonName (PEP 503)', () => {
  it.each([
    ['Django', 'django'],
    ['Zope.Interface_x', 'zope-interface-x'],
    ['a--b__c..d', 'a-b-c-d'],
    ['flask_login', 'flask-login'],
  ])('%s → %s, the same for facts and checks', (name, normalized) => {
    expect(normalizePythonName(name)).toBe(normalized);
    expect(fromChecks(name)).toBe(normalized);
    expect(fromFacts(` ${name}\t`)).toBe(normalized);
  });
});
