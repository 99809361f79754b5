/**
 * `@tokens/passport/nest`: what a NestJS app that wires Passport through `@nestjs/passport` needs. It
 * loads `@nestjs/common` and `@nestjs/passport`, which the other entries never load.
 */
export { TokenAuthGuard } from './token-auth-guard.js'
