/** Types for build/notarize.cjs (CommonJS for electron-builder's hooks). */
export type NotarizeDecision =
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'fail'; readonly reason: string }
  | {
      readonly action: 'notarize';
      readonly kind: 'apple-id' | 'api-key' | 'keychain-profile';
      readonly options: Readonly<Record<string, string>>;
    };
export interface AfterSignContext {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly packager: { readonly appInfo: { readonly productFilename: string } };
}
declare function afterSign(context: AfterSignContext): Promise<void>;
declare namespace afterSign {
  function notarizeDecision(platform: string, env: Readonly<Record<string, string | undefined>>): NotarizeDecision;
}
export = afterSign;
