// Types of emulator-pin.mjs (plain JavaScript so that scripts/dynamodb-local.mjs can run under bare node).
export declare const DYNAMODB_LOCAL_PACKAGE: string
export declare const DYNAMODB_LOCAL_PACKAGE_VERSION: string
export declare const DYNAMODB_LOCAL_TARBALL_SHA256: string
export declare const DYNAMODB_LOCAL_TARBALL_INTEGRITY: string
export declare const DYNAMODB_LOCAL_TARBALL_BYTES: number
/** Where the emulator lives, relative to the project root. */
export declare const DYNAMODB_LOCAL_DIR: string
export declare const MARKER_FILE: string
export declare const MARKER: string

export declare function isDynamoDbLocalInstalled(dir: string): boolean
