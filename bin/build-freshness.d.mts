export declare const BUILD_DIR: string;
export declare const BUILD_RECORD: string;
export declare function buildIsFresh(root: string): boolean;
