// Types of scripts/dynamodb-local.mjs, so TypeScript tests share its constants instead of repeating
// them (the pin itself is in src/local/dynamodb/emulator-pin.mjs).
export * from '../src/local/dynamodb/emulator-pin.mjs'

export declare function verifyTarball(file: string, expected?: { sha256: string; integrity: string }): Promise<void>
export declare function ensureDynamoDbLocal(options?: { root?: string; log?: (line: string) => void; progressEveryMs?: number }): Promise<string>
