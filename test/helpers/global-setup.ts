// Placeholder replaced once the database template is built.
export default async function setup(): Promise<void> {}
