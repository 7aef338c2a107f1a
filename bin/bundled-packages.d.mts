import type { Plugin } from 'esbuild';

export declare const BUNDLED_PACKAGES: readonly string[];
export declare function bundledPackagesPlugin(): Plugin;
export declare const REQUIRE_BANNER: string;
