// asl-validator ships no declarations; this is the part of its API the tests use.
declare module "asl-validator" {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message: string }[];
    errorsText(separator?: string): string;
  }
  export default function aslValidator(
    definition: unknown,
    options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean },
  ): ValidationResult;
}
