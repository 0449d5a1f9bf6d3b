export interface TestFiles {
  readonly include: string[];
  readonly exclude: string[];
}
export declare const unitTests: TestFiles;
export declare const integrationTests: TestFiles;
