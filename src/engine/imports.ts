export class ImportManager {}
