import type { CreateNodesV2, TargetConfiguration } from '@nx/devkit';
export declare function targetsOf(workspaceRoot: string, projectRoot: string): Record<string, TargetConfiguration>;
export declare const createNodesV2: CreateNodesV2;
