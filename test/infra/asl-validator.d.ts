// asl-validator 4.0.0 ships no type declarations; this covers the one function the infra tests call.
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }
  interface AslValidatorOptions {
    /** Validate JSONPath expressions (InputPath, ResultPath, ...). */
    readonly checkPaths: boolean;
    /** Validate that Task `Resource` values are ARNs. */
    readonly checkArn: boolean;
  }
  /** Validates a parsed definition. It mutates its input (adds QueryLanguage): pass a copy. */
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
  export = aslValidator;
}
