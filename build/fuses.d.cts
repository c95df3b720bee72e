/** Types for build/fuses.cjs (the module is CommonJS for electron-builder's hooks). */
export type FuseName =
  | 'RunAsNode'
  | 'EnableCookieEncryption'
  | 'EnableNodeOptionsEnvironmentVariable'
  | 'EnableNodeCliInspectArguments'
  | 'EnableEmbeddedAsarIntegrityValidation'
  | 'OnlyLoadAppFromAsar'
  | 'LoadBrowserProcessSpecificV8Snapshot'
  | 'GrantFileProtocolExtraPrivileges';
export type FuseReading = 'enabled' | 'disabled' | 'removed' | 'inherit' | 'absent' | `unknown byte ${number}`;
export interface FuseOptions {
  readonly resetAdHocDarwinSignature?: boolean;
}
export interface PackagedApp {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly productFilename: string;
  readonly executableName: string;
}
export declare const FUSES: Readonly<Record<FuseName, boolean>>;
export declare const STATE_NAMES: Readonly<Record<number, string>>;
export declare function fuseConfig(options?: FuseOptions): Record<string | number, unknown>;
export declare function readFuses(electronPath: string): Promise<Record<FuseName, FuseReading>>;
export declare function fuseMismatches(electronPath: string): Promise<string[]>;
export declare function applyFuses(electronPath: string, options?: FuseOptions): Promise<number>;
export declare function packagedElectronPath(app: PackagedApp): string;
