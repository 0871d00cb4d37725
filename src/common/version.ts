import pkg from '../../package.json' with { type: 'json' };

/** The package version, as published. */
export const VERSION: string = pkg.version;
