/** Types of test-build.mjs, which Jest's globalSetup loads as plain JavaScript. */
export declare const swcOptions: object;
export declare function testBuild(): string | undefined;
export declare function builtPath(file: string): string;
export declare function compile(files: string[]): Promise<void>;
export declare function setup(): Promise<void>;
export declare function teardown(): void;
