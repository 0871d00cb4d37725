// Part 2 builtin families (issue 6): regex, glob, encoding, time, crypto, tokens, net, units,
// semver, uuid, graph, bits, and the rest of OPA's library.
import type { BuiltinTable } from './builtin.ts';
import { register as bits } from './bits.ts';
import { register as crypto } from './crypto.ts';
import { register as encoding } from './encoding.ts';
import { register as glob } from './glob.ts';
import { register as graph } from './graph.ts';
import { register as graphql } from './graphql.ts';
import { register as jsonschema } from './jsonschema.ts';
import { register as jsonpatch } from './jsonpatch.ts';
import { register as net } from './net.ts';
import { register as providers } from './providers.ts';
import { register as regex } from './regex.ts';
import { register as runtime } from './runtime.ts';
import { register as semver } from './semver.ts';
import { register as template } from './template.ts';
import { register as time } from './time.ts';
import { register as tokens } from './tokens.ts';
import { register as units } from './units.ts';
import { register as uuid } from './uuid.ts';

export const extendedFamilies: ReadonlyArray<(table: BuiltinTable) => void> = [bits, crypto, encoding, glob, graph, graphql, jsonpatch, jsonschema, net, providers, regex, runtime, semver, template, time, tokens, units, uuid];
