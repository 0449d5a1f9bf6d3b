// Types of what the specs use from image-tree.mjs.
/** Module specifiers a built JavaScript file loads (see the JSDoc in image-tree.mjs). */
export declare function specifiersOf(text: string): string[];
