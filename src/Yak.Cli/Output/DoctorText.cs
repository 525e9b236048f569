using System.Globalization;
using Yak.Protocol.Messages;

namespace Yak.Cli.Output;

/// <summary>Doctor's checks, one a line, each problem followed by its fix and the page to read.</summary>
internal static class DoctorText
{
    public static void Write(TextWriter writer, IReadOnlyList<DoctorCheckInfo> checks)
    {
        var width = checks.Count == 0 ? 0 : checks.Max(c => c.Name.Length);
        foreach (var check in checks)
        {
            var status = check.Status switch
            {
                DoctorStatus.Pass => "pass",
                DoctorStatus.Warn => "warn",
                _ => "FAIL",
            };
            writer.WriteLine($"{status}  {check.Name.PadRight(width)}  {check.Message.Replace("\n", "\n      ", StringComparison.Ordinal)}");
            if (check.Status != DoctorStatus.Pass)
            {
                writer.WriteLine($"      {check.Code}: fix: {check.Fix}");
                writer.WriteLine($"      see: yakctl explain {check.Code}");
            }
        }

        int Count(DoctorStatus status) => checks.Count(c => c.Status == status);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Count(DoctorStatus.Pass)} passed, {Count(DoctorStatus.Warn)} warnings, {Count(DoctorStatus.Fail)} failed"));
    }
}
