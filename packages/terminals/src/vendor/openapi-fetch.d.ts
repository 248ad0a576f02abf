// The build copies openapi-fetch's browser module here (a page loads no bare specifiers); its types are the package's.
export { default } from 'openapi-fetch';
export type * from 'openapi-fetch';
