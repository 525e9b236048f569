using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Diagnostics;

/// <summary>Builds doctor results: a pass says what was found; a warning or failure adds its code and fix.</summary>
internal static class Checks
{
    public static DoctorCheckInfo Pass(string name, string message) =>
        new() { Name = name, Status = DoctorStatus.Pass, Message = message, Code = null, Fix = null };

    public static DoctorCheckInfo Warn(string name, string message, YakError error, string? fix = null) =>
        new() { Name = name, Status = DoctorStatus.Warn, Message = message, Code = error.Code, Fix = fix ?? error.Fix };

    public static DoctorCheckInfo Fail(string name, string message, YakError error, string? fix = null) =>
        new() { Name = name, Status = DoctorStatus.Fail, Message = message, Code = error.Code, Fix = fix ?? error.Fix };
}
