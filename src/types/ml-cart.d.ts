// Minimal types for ml-cart (the package ships none): only what the tree method uses.
declare module 'ml-cart' {
  export interface TreeNode {
    splitColumn?: number;
    splitValue?: number;
    left?: TreeNode;
    right?: TreeNode;
    distribution?: number;
  }
  export class DecisionTreeRegression {
    constructor(options?: { minNumSamples?: number; maxDepth?: number; gainFunction?: string; splitFunction?: string });
    root: TreeNode;
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
  }
}
