// Types of scripts/dynamodb-local.mjs, so TypeScript tests share its constants instead of repeating
// them (the pin itself is in src/local/dynamodb/emulator-pin.mjs).
export declare const DYNAMODB_LOCAL_PACKAGE: string
export declare const DYNAMODB_LOCAL_PACKAGE_VERSION: string
export declare const DYNAMODB_LOCAL_TARBALL_SHA256: string
export declare const DYNAMODB_LOCAL_TARBALL_INTEGRITY: string
export declare const DYNAMODB_LOCAL_TARBALL_BYTES: number
/** Where the emulator lives, relative to the project root. */
export declare const DYNAMODB_LOCAL_DIR: string

export declare function isDynamoDbLocalInstalled(dir: string): boolean
export declare function verifyTarball(file: string, expected?: { sha256: string; integrity: string }): Promise<void>
export declare function ensureDynamoDbLocal(options?: { root?: string; log?: (line: string) => void; progressEveryMs?: number }): Promise<string>
