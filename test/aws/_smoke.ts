import { installAwsMocks, settle, unwrap } from "./mocks.js";
import { awsStackFor } from "./fixtures.js";
(async () => {
  const h = await installAwsMocks({ region: "us-east-2" });
  const { AwsServingCluster } = await import("../../src/clouds/aws/index.js");
  const s = awsStackFor("fp8-2x8xh100");
  const c = new AwsServingCluster(s.rowId, { plan: s.plan, aws: s.aws, hfToken: "hf_secret" });
  console.log(await unwrap(c.endpoint), await unwrap(c.nodeIds), await unwrap(c.statusLocation), await unwrap(c.availabilityZone));
  console.log(JSON.stringify(await unwrap(c.logCommands)).slice(0, 300));
  await settle();
  for (const r of h.resources) console.log(r.type, r.name);
  console.log(h.calls.map(c=>c.token));
  const lt = h.resources.find(r=>r.type.includes("LaunchTemplate"))!;
  console.log(JSON.stringify({...lt.inputs, userData: Buffer.from(lt.inputs.userData,"base64").toString().slice(0,400)}, null, 1).slice(0,3000));
})();
